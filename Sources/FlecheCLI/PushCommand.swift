import ArgumentParser
import Fleche
import Foundation
#if canImport(FlecheS3)
import FlecheS3
#endif

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
        #if canImport(FlecheS3)
        if let (objects, calls) = try s3Destination() {
            guard filter.isEmpty, !dryRun else {
                throw CLIError("--name, --arg and --dry-run work with rsync destinations; a push to S3 sends every call the bucket lacks")
            }
            let started = Date()
            let report = try S3Push(from: store, objects: objects, calls: calls).run()
            let seconds = Date().timeIntervalSince(started)
            if options.json {
                printJSON(.object([
                    ("calls", .int(Int64(report.calls.count))), ("objects", .int(Int64(report.objects))),
                    ("bytes", .int(Int64(report.bytes))), ("existing_calls", .int(Int64(report.alreadyThere))),
                    ("incomplete_calls", .int(Int64(report.incomplete.count))), ("seconds", .double(seconds)),
                ]))
            } else {
                var line = "sent \(report.calls.count) calls and \(report.objects) objects (\(byteCount(report.bytes))) to "
                    + "\(objects.client.location) in \(String(format: "%.1f", seconds)) s; \(report.alreadyThere) calls were already there"
                if !report.incomplete.isEmpty { line += "; \(report.incomplete.count) incomplete calls left out" }
                print(line)
            }
            return
        }
        #endif
        var push = StorePush(store: store, to: try StoreAddress.resolve(destination), template: filter.isEmpty ? nil : filter.template, dryRun: dryRun)
        if TerminalProgress.wanted(json: options.json) {
            let display = TerminalProgress(minimumTotal: 1)
            push.progress = { display.show($0, $1, $2) }
        }
        let report = try push.run()
        printSharingReport(report, sent: true, address: push.destination, json: options.json)
    }
}

#if canImport(FlecheS3)
extension PushCommand {
    /// The S3 store that DESTINATION names in `fleche.toml`, if it names one.
    func s3Destination() throws -> (S3ObjectStorage, S3CallStorage)? {
        let configuration = try CacheContext.configuration()
        guard configuration.cacheNames.contains(destination),
            let cache = try configuration.cache(named: destination) as? Cache,
            let objects = cache.values as? S3ObjectStorage, let calls = cache.calls as? S3CallStorage
        else { return nil }
        return (objects, calls)
    }
}
#endif

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
