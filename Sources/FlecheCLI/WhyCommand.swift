import ArgumentParser
import Fleche

/// `fleche why NAME --arg x=3 …`: why a call misses, from the command line.
struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Explain why a call is a miss: the nearest stored calls of its function and what differs.",
        discussion: """
            Give the call as the memoized function keys it: its name, --module (a Swift function's \
            module is part of its key unless memoized with module: nil), --version, --code-digest, \
            and every argument in declaration order (ignored arguments left out).
            """)

    @Argument(help: "The function's name.")
    var name: String

    @Option(name: .long, help: "Module.")
    var module: String?

    @Option(name: .long, help: "Version.")
    var version: String?

    @Option(name: .long, help: ArgumentHelp("The code digest the function is keyed with (hex).", valueName: "hex"))
    var codeDigest: String?

    @Option(name: .long, help: ArgumentHelp(
        "An argument, in declaration order (JSON: 3, 1.5, true, \"text\"; anything else is a string).", valueName: "name=value"))
    var arg: [NamedArgument] = []

    @OptionGroup var options: StoreOptions

    func validate() throws {
        if let codeDigest, Digest(hex: codeDigest) == nil {
            throw ValidationError("--code-digest '\(codeDigest)' is not a hex digest")
        }
    }

    func run() throws {
        let cache = try options.openCache()
        let arguments = arg.map { item in
            CallRecord.Argument(
                name: item.name,
                value: ValueReference(CallFilterOptions.value(fromCommandLine: item.text), using: cache.algorithm, inlineLimit: cache.inlineLimit))
        }
        let asked = CallRecord(
            name: name, module: module, version: version, codeDigest: codeDigest.flatMap { Digest(hex: $0) }, arguments: arguments)
        let explanation = try MissExplanation.explain(asked, in: cache)
        if options.json {
            printJSON(explanation.json)
            return
        }
        print(explanation)
    }
}

extension MissExplanation {
    /// The explanation as `fleche why --json` prints it.
    var json: JSON {
        func text(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
        func hex(_ digest: Digest?) -> JSON { digest.map { .string($0.hex) } ?? .null }
        let calls: [JSON] = nearest.map { call in
            .object([
                ("key", .string(call.key.hex)),
                ("differences", .array(call.differences.map { difference in
                    switch difference {
                    case .module(let stored, let asked): .object([("part", .string("module")), ("stored", text(stored)), ("asked", text(asked))])
                    case .version(let stored, let asked): .object([("part", .string("version")), ("stored", text(stored)), ("asked", text(asked))])
                    case .codeDigest(let stored, let asked): .object([("part", .string("code_digest")), ("stored", hex(stored)), ("asked", hex(asked))])
                    case .argument(let name, let stored, let asked):
                        .object([("part", .string("argument")), ("name", .string(name)), ("stored", hex(stored)), ("asked", hex(asked))])
                    }
                })),
            ])
        }
        return .object([
            ("function", .string(function)), ("key", .string(key.hex)), ("stored", .bool(isStored)),
            ("stored_calls_of_function", .int(Int64(storedCallsOfFunction))), ("nearest", .array(calls)),
        ])
    }
}
