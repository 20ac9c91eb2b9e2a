import ArgumentParser
import Fleche

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat", abstract: "Print a stored value as JSON (a call key prints its result).")

    @Argument(help: "A value or call key, or a prefix of at least 4 characters.")
    var key: String

    @Flag(name: .long, help: "Print the lossless JSON form (the form inlined in manifests) instead of plain JSON.")
    var form = false

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        let full = try cache.expand(key)
        let value = try cache.contains(full) ? try cache.load(full).resultValue() : try cache.loadValue(full)
        printJSON(form ? value.jsonForm : value.plainJSON)
    }
}
