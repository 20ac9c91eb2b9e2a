import ArgumentParser
import Fleche
import Foundation
#if canImport(FlecheS3)
import FlecheS3
#endif

struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Publish calls with their values to another store, with rsync or to S3.",
        discussion: """
            DESTINATION is a store directory, HOST:PATH (rsync over ssh; RSYNC_RSH chooses the \
            ssh command), rsync://HOST/MODULE/PATH (an rsync daemon) or the name of a cache in \
            fleche.toml (a store directory, or an S3 store: 16 requests at a time). Values go \
            first and manifests after them, so a reader there never finds a call whose values \
            have not arrived; only what the destination lacks is sent, and \
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
        #if canImport(FlecheS3)
        if try options.s3Storages() != nil {
            throw CLIError("a push publishes a store directory; to copy an S3 cache's calls into one, pull them: fleche pull \(options.cache ?? "NAME") --store DIR")
        }
        #endif
        let store = try options.openStore()
        #if canImport(FlecheS3)
        if let (objects, calls) = try s3Cache(named: destination) {
            let push = S3Push(from: store, objects: objects, calls: calls, template: filter.isEmpty ? nil : filter.template, dryRun: dryRun)
            printSharingReport(try push.run(), sent: true, address: objects.client.location.description, json: options.json)
            return
        }
        #endif
        var push = StorePush(store: store, to: try StoreAddress.resolve(destination), template: filter.isEmpty ? nil : filter.template, dryRun: dryRun)
        if TerminalProgress.wanted(json: options.json) {
            let display = TerminalProgress(minimumTotal: 1)
            push.progress = { display.show($0, $1, $2) }
        }
        let report = try push.run()
        printSharingReport(report, sent: true, address: push.destination.description, json: options.json)
    }
}

#if canImport(FlecheS3)
/// The storages of the S3 cache `name` of `fleche.toml`, if `name` is a cache of the `s3`
/// template (another name opens nothing: no request is made for it).
func s3Cache(named name: String) throws -> (S3ObjectStorage, S3CallStorage)? {
    let configuration = try CacheContext.configuration()
    guard configuration.template(ofCache: name) == "s3",
        let cache = try configuration.cache(named: name) as? Cache,
        let objects = cache.values as? S3ObjectStorage, let calls = cache.calls as? S3CallStorage
    else { return nil }
    return (objects, calls)
}
#endif

/// Prints a push or pull report: one summary line (and each refused file), or JSON.
func printSharingReport(_ report: SharingReport, sent: Bool, address: String, json: Bool) {
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
