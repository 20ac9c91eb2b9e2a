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

    @Option(name: .long, help: "NAME=VALUE: an argument equal to VALUE (JSON: 3, 1.5, true, \"text\"; anything else is a string).")
    var arg: [String] = []

    @Option(name: .long, help: "NAME=PREFIX: an argument whose digest starts with PREFIX.")
    var argDigest: [String] = []

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        var arguments: [String: ValuePattern] = [:]
        for item in arg {
            let (key, text) = try split(item)
            arguments[key] = .value(Self.value(fromCommandLine: text))
        }
        for item in argDigest {
            let (key, text) = try split(item)
            arguments[key] = .digestPrefix(text)
        }
        let calls = try cache.query(CallTemplate(name: name, module: module, version: version, arguments: arguments)).calls()
        try printCalls(calls, cache: cache, json: options.json)
    }

    private func split(_ item: String) throws -> (String, String) {
        guard let equals = item.firstIndex(of: "=") else { throw CLIError("'\(item)' is not NAME=VALUE") }
        return (String(item[..<equals]), String(item[item.index(after: equals)...]))
    }

    /// A command-line value: JSON scalars by their type (`3` an integer, `1.5` a float), a
    /// value's JSON form when it parses as one, else the text as a string.
    static func value(fromCommandLine text: String) -> Value {
        guard let json = try? JSON.parse(text) else { return .string(text) }
        if case .double(let number) = json { return .float(number) }
        return (try? Value(jsonForm: json)) ?? .string(text)
    }
}
