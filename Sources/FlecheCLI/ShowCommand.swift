import ArgumentParser
import Fleche

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one call record, readably.")

    @Argument(help: "A call key or a prefix of at least 4 characters.")
    var key: String

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        let call = try cache.load(key)
        let record = call.record
        func rendered(_ reference: ValueReference) -> JSON {
            var members: [(String, JSON)] = [("digest", .string(reference.digest.hex))]
            if let value = (reference.inline ?? (try? cache.loadValue(reference.digest))) {
                members.append(("value", value.plainJSON))
                let files = cache.artifactFiles(in: value)
                if !files.isEmpty { members.append(("files", .array(files.map(Self.json)))) }
            } else {
                members.append(("value", .string("(missing)")))
            }
            return .object(members)
        }
        let metadata: [(String, JSON)] = record.metadata.sorted { $0.key < $1.key }.map { name, fields in
            (name, .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
        let document = JSON.object([
            ("key", .string(call.key.hex)),
            ("name", .string(record.name)),
            ("module", record.module.map(JSON.string) ?? .null),
            ("version", record.version.map(JSON.string) ?? .null),
            ("arguments", .object(record.arguments.map { ($0.name, rendered($0.value)) })),
            ("result", record.result.map(rendered) ?? .null),
            ("metadata", .object(metadata)),
        ])
        if options.json {
            printJSON(document)
            return
        }
        print("call     \(call.key.hex)")
        print("name     \(record.name)")
        print("module   \(record.module ?? "-")")
        print("version  \(record.version ?? "-")")
        print("arguments")
        for argument in record.arguments {
            let shown = rendered(argument.value)
            print("  \(argument.name) = \(summary(shown))")
            printFiles(shown, indent: "    ")
        }
        let result = record.result.map(rendered)
        print("result   \(result.map(summary) ?? "-")")
        if let result { printFiles(result, indent: "  ") }
        for (name, fields) in metadata {
            print(name)
            for (field, value) in fields.objectValue ?? [] { print("  \(field): \(value.serialized())") }
        }
    }

    private static func json(_ file: ArtifactFile) -> JSON {
        .object([
            ("path", file.relativePath.map(JSON.string) ?? .null),
            ("size", file.size.map(JSON.int) ?? .null),
            ("content", .string(file.content.hex)),
        ])
    }

    /// The files of the artifacts in a rendered value, one line each: path and size.
    private func printFiles(_ reference: JSON, indent: String) {
        guard let files = reference["files"]?.arrayValue else { return }
        let total = files.compactMap { $0["size"]?.int64Value }.reduce(0, +)
        print("\(indent)\(files.count) file\(files.count == 1 ? "" : "s"), \(byteCount(Int(total)))")
        for file in files {
            let size = file["size"]?.int64Value.map { byteCount(Int($0)) } ?? "(not in the store)"
            print("\(indent)  \(file["path"]?.stringValue ?? "(file)")  \(size)")
        }
    }

    private func summary(_ reference: JSON) -> String {
        let digest = String(reference["digest"]?.stringValue?.prefix(12) ?? "")
        var value = reference["value"]?.serialized() ?? ""
        if value.count > 100 { value = String(value.prefix(97)) + "..." }
        return "\(value)  [\(digest)…]"
    }
}
