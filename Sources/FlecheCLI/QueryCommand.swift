import ArgumentParser
import Fleche

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "List the calls that match a name, module, version and argument values.")

    @OptionGroup var filter: CallFilterOptions

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        let calls = try cache.query(filter.template).calls()
        try printCalls(calls.map(ListedCall.init), cache: cache, json: options.json)
    }
}
