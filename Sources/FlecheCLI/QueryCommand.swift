import ArgumentParser
import Fleche

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "List the calls that match a name, module, version and argument values.")

    @Option(name: .long, help: "Function name.")
    var name: String?

    @Option(name: .long, help: "Module.")
    var module: String?

    @Option(name: .long, help: "Version.")
    var version: String?

    @Option(name: .long, help: ArgumentHelp(
        "An argument equal to VALUE (JSON: 3, 1.5, true, \"text\"; anything else is a string).", valueName: "name=value"))
    var arg: [NamedArgument] = []

    @Option(name: .long, help: ArgumentHelp("An argument whose digest starts with PREFIX.", valueName: "name=prefix"))
    var argDigest: [NamedArgument] = []

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        var arguments: [String: ValuePattern] = [:]
        for item in arg { arguments[item.name] = .value(Self.value(fromCommandLine: item.text)) }
        for item in argDigest { arguments[item.name] = .digestPrefix(item.text) }
        let calls = try cache.query(CallTemplate(name: name, module: module, version: version, arguments: arguments)).calls()
        try printCalls(calls, cache: cache, json: options.json)
    }

    /// A command-line value: JSON scalars by their type (`3` an integer, `1.5` a float), a
    /// value's JSON form when it parses as one, else the text as a string.
    static func value(fromCommandLine text: String) -> Value {
        guard let json = try? JSON.parse(text) else { return .string(text) }
        if case .double(let number) = json { return .float(number) }
        return (try? Value(jsonForm: json)) ?? .string(text)
    }
}
