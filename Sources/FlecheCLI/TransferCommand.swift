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

    @Argument(help: "The store directory or cache name to copy from.", completion: .directory)
    var source: String

    @Argument(help: "The store directory or cache name to copy to.", completion: .directory)
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
        let from = try CacheLocation.parse(source).open(create: false)
        let to = try CacheLocation.parse(destination).open(create: true)
        let display = TerminalProgress.ifWanted(json: json)
        let report = try from.query(name: name).transfer(to: to, pop: pop, overwrite: overwrite) { display?.show("calls", $0, $1) }
        display?.show("done", 0, 0)
        if json {
            printJSON(report.json)
        } else {
            print("transferred \(report.transferred.count) calls"
                + (pop ? ", evicted \(report.popped.count) from the source" : "")
                + "; skipped \(report.skippedExisting.count) the destination has"
                + (report.skippedIncomplete.isEmpty ? "" : ", \(report.skippedIncomplete.count) with a missing result"))
        }
    }
}
