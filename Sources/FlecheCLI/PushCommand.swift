import ArgumentParser
import Fleche

struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Publish calls with their values to another store, with rsync.",
        discussion: """
            DESTINATION is a store directory, HOST:PATH (rsync over ssh; RSYNC_RSH chooses the \
            ssh command), rsync://HOST/MODULE/PATH (an rsync daemon) or the name of a cache in \
            fleche.toml. Values go first and manifests after them, so a reader there never finds \
            a call whose values have not arrived; only what the destination lacks is sent, and \
            never tmp/, gc.lock or lost+found/. A destination that is not a store yet is created \
            with this store's settings. Both stores must use the same digest algorithm.
            """)

    @Argument(help: "The store to publish to.", completion: .directory)
    var destination: String

    @OptionGroup var filter: CallFilterOptions

    @Flag(name: .long, help: "Show what would be sent; send nothing.")
    var dryRun = false

    @OptionGroup var options: StoreOptions

    /// An address rsync would not understand is a usage error (exit 64).
    func validate() throws {
        do {
            _ = try StoreAddress(parsing: destination)
        } catch let error as SharingError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let store = try options.openStore()
        var push = StorePush(store: store, to: try StoreAddress.resolve(destination), template: filter.isEmpty ? nil : filter.template, dryRun: dryRun)
        if TerminalProgress.wanted(json: options.json) {
            let display = TerminalProgress(minimumTotal: 1)
            push.progress = { display.show($0, $1, $2) }
        }
        let report = try push.run()
        printSharingReport(report, sent: true, address: push.destination, json: options.json)
    }
}

/// Prints a push or pull report: one summary line (and each refused file), or JSON.
func printSharingReport(_ report: SharingReport, sent: Bool, address: StoreAddress, json: Bool) {
    if json {
        printJSON(report.json)
        return
    }
    report.refused.forEach { print("refused \($0)") }
    let verb = report.dryRun ? (sent ? "would send" : "would receive") : (sent ? "sent" : "received")
    var line = "\(verb) \(report.calls.count) calls and \(report.objects) objects (\(byteCount(report.bytes))) "
        + "\(sent ? "to" : "from") \(address) in \(String(format: "%.1f", report.seconds)) s; "
        + "\(report.existingCalls) calls were already there"
    if !report.incompleteCalls.isEmpty { line += "; \(report.incompleteCalls.count) incomplete calls left out" }
    if !report.refused.isEmpty { line += "; \(report.refused.count) files refused" }
    print(line)
}
