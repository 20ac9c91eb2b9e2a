import ArgumentParser
import Fleche

/// `--name`, `--module`, `--version`, `--arg` and `--arg-digest`: which calls a command
/// works on (`query`, `push`, `pull`).
struct CallFilterOptions: ParsableArguments {
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

    /// Whether any filter is given.
    var isEmpty: Bool { name == nil && module == nil && version == nil && arg.isEmpty && argDigest.isEmpty }

    /// The template these options describe.
    var template: CallTemplate {
        var arguments: [String: ValuePattern] = [:]
        for item in arg { arguments[item.name] = .value(Self.value(fromCommandLine: item.text)) }
        for item in argDigest { arguments[item.name] = .digestPrefix(item.text) }
        return CallTemplate(name: name, module: module, version: version, arguments: arguments)
    }

    /// A command-line value: JSON scalars by their type (`3` an integer, `1.5` a float), a
    /// value's JSON form when it parses as one, else the text as a string.
    static func value(fromCommandLine text: String) -> Value {
        guard let json = try? JSON.parse(text) else { return .string(text) }
        if case .double(let number) = json { return .float(number) }
        return (try? Value(jsonForm: json)) ?? .string(text)
    }
}
