import ArgumentParser
import Fleche

struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Copy calls with their values and metadata from one cache to another.",
        discussion: """
            SOURCE and DESTINATION are each a store directory or the name of a cache in \
            fleche.toml. A destination directory that is not a store yet is created. Calls the \
            destination already has are kept unless --overwrite.
            """)

    @Argument(help: "The store directory or cache name to copy from.")
    var source: String

    @Argument(help: "The store directory or cache name to copy to.")
    var destination: String

    @Flag(name: .long, help: "Evict each copied call from the source (a move).")
    var pop = false

    @Flag(name: .long, help: "Replace calls the destination already has.")
    var overwrite = false

    @Option(name: .long, help: "Only calls of this function.")
    var name: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let from = try open(source, create: false)
        let to = try open(destination, create: true)
        let report = try from.query(name: name).transfer(to: to, pop: pop, overwrite: overwrite)
        if json {
            printJSON(.object([
                ("transferred", .array(report.transferred.map { .string($0.hex) })),
                ("skipped_existing", .array(report.skippedExisting.map { .string($0.hex) })),
                ("skipped_incomplete", .array(report.skippedIncomplete.map { .string($0.hex) })),
                ("popped", .array(report.popped.map { .string($0.hex) })),
            ]))
        } else {
            print("transferred \(report.transferred.count) calls"
                + (pop ? ", evicted \(report.popped.count) from the source" : "")
                + "; skipped \(report.skippedExisting.count) the destination has"
                + (report.skippedIncomplete.isEmpty ? "" : ", \(report.skippedIncomplete.count) with a missing result"))
        }
    }

    /// A cache that fleche.toml names, unless the text looks like a path (has a `/`, or
    /// starts with `.` or `~`); anything else is a store directory.
    private func open(_ location: String, create: Bool) throws -> any BaseCache {
        let looksLikePath = location.contains("/") || location.hasPrefix(".") || location.hasPrefix("~")
        let configuration = try CacheContext.configuration()
        if !looksLikePath, configuration.cacheNames.contains(location) || ["memory", "void", "default"].contains(location) {
            return try configuration.cache(named: location)
        }
        if !looksLikePath, !create, (try? FileStore(root: location, create: false)) == nil {
            throw CLIError("'\(location)' is neither a store directory nor a cache in fleche.toml (caches: \(configuration.cacheNames.joined(separator: ", ")))")
        }
        return Cache(store: try FileStore(root: location, create: create))
    }
}
