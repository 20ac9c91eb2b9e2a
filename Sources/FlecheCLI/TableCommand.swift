import ArgumentParser
import Fleche

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Tabulate calls: key, name, module, metadata, and the arguments and results asked for.")

    @Option(name: .long, help: "Only calls of this function.")
    var name: String?

    @Option(name: .long, help: "An argument to show as a column (repeat it; --all-args for every argument).")
    var arg: [String] = []

    @Flag(name: .long, help: "Show every argument.")
    var allArgs = false

    @Flag(name: .long, help: "Show each call's result.")
    var results = false

    @Flag(name: .long, help: "Full keys instead of the shortest unambiguous prefixes.")
    var fullKeys = false

    @Flag(name: .long, help: "Print CSV instead of aligned text.")
    var csv = false

    @OptionGroup var options: StoreOptions

    func run() throws {
        if csv, options.json { throw CLIError("give --csv or --json, not both") }
        let cache = try options.openCache()
        let display = TerminalProgress.ifWanted(json: options.json)
        let table = try cache.query(name: name).table(
            arguments: allArgs ? .all : .named(arg), results: results, shrinkKeys: !fullKeys) { display?.show("rows", $0, $1) }
        display?.show("done", 0, 0)
        if options.json {
            printJSON(table.json)
        } else if csv {
            print(table.csv(), terminator: "")
        } else if !table.keys.isEmpty {
            print(table.text())
        }
    }
}
