/// The text of a call manifest (`calls/ab/cd…`): a JSON object, readable with `cat` or `jq`.
///
/// ```json
/// {
///   "fleche_call": 1,
///   "name": "f", "module": "Demo", "version": "1", "code": null,
///   "arguments": [{"name": "i", "digest": "…", "value": 3}],
///   "result": {"digest": "…", "value": {"f64s": [1.5, 2.5]}},
///   "metadata": {"runtime": {"timestart": 1764046800.5, …}}
/// }
/// ```
/// `value` appears only for values inlined in the manifest (see ``StoreFormat/inlineLimit``);
/// every other value is an object named by its digest.
enum CallManifest {
    static let version: Int64 = 1

    static func encode(_ record: CallRecord) -> [UInt8] {
        func reference(_ ref: ValueReference) -> [(String, JSON)] {
            var members: [(String, JSON)] = [("digest", .string(ref.digest.hex))]
            if let inline = ref.inline { members.append(("value", inline.jsonForm)) }
            return members
        }
        let arguments: [JSON] = record.arguments.map { .object([("name", .string($0.name))] + reference($0.value)) }
        let metadata: [(String, JSON)] = record.metadata.sorted { $0.key < $1.key }.map { collector, fields in
            (collector, .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
        let document = JSON.object([
            ("fleche_call", .int(version)),
            ("name", .string(record.name)),
            ("module", record.module.map(JSON.string) ?? .null),
            ("version", record.version.map(JSON.string) ?? .null),
            ("code", record.codeDigest.map { .string($0.hex) } ?? .null),
            ("arguments", .array(arguments)),
            ("result", record.result.map { .object(reference($0)) } ?? .null),
            ("metadata", .object(metadata)),
        ])
        return document.serializedBytes(pretty: true)
    }

    struct Invalid: Error {
        let reason: String
    }

    /// Reads only the result reference of a manifest (the hit path): the other members are
    /// syntax-checked but not built.
    static func decodeResult(_ bytes: [UInt8]) throws -> ValueReference? {
        let members: [JSON?]
        do {
            members = try bytes.withUnsafeBytes { try JSON.parseMembers($0, keep: ["fleche_call", "result"]) }
        } catch {
            throw Invalid(reason: "\(error)")
        }
        guard let format = members[0]?.int64Value else { throw Invalid(reason: "no 'fleche_call' version") }
        guard format == version else {
            throw Invalid(reason: "manifest version \(format); this build reads version \(version)")
        }
        guard let result = members[1], !result.isNull else { return nil }
        guard let hex = result["digest"]?.stringValue, let digest = Digest(hex: hex) else {
            throw Invalid(reason: "result has no valid 'digest'")
        }
        guard let inline = result["value"] else { return ValueReference(digest: digest) }
        do {
            return ValueReference(digest: digest, inline: try Value(jsonForm: inline))
        } catch {
            throw Invalid(reason: "result has an invalid inline value: \(error)")
        }
    }

    static func decode(_ bytes: [UInt8]) throws -> CallRecord {
        let document: JSON
        do {
            document = try JSON.parse(bytes)
        } catch {
            throw Invalid(reason: "\(error)")
        }
        guard case .object = document else { throw Invalid(reason: "not a JSON object") }
        guard let format = document["fleche_call"]?.int64Value else { throw Invalid(reason: "no 'fleche_call' version") }
        guard format == version else {
            throw Invalid(reason: "manifest version \(format); this build reads version \(version)")
        }
        guard let name = document["name"]?.stringValue else { throw Invalid(reason: "no 'name'") }
        func optionalString(_ key: String) throws -> String? {
            switch document[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw Invalid(reason: "'\(key)' is not a string")
            }
        }
        func reference(_ json: JSON, _ what: String) throws -> ValueReference {
            guard let hex = json["digest"]?.stringValue, let digest = Digest(hex: hex) else {
                throw Invalid(reason: "\(what) has no valid 'digest'")
            }
            guard let inline = json["value"] else { return ValueReference(digest: digest) }
            do {
                return ValueReference(digest: digest, inline: try Value(jsonForm: inline))
            } catch {
                throw Invalid(reason: "\(what) has an invalid inline value: \(error)")
            }
        }
        var arguments: [CallRecord.Argument] = []
        guard let argumentList = document["arguments"]?.arrayValue else { throw Invalid(reason: "no 'arguments' list") }
        for argument in argumentList {
            guard let argumentName = argument["name"]?.stringValue else { throw Invalid(reason: "an argument has no 'name'") }
            arguments.append(.init(name: argumentName, value: try reference(argument, "argument '\(argumentName)'")))
        }
        var result: ValueReference?
        if let resultJSON = document["result"], !resultJSON.isNull { result = try reference(resultJSON, "result") }
        var metadata: Metadata = [:]
        for (collector, fields) in document["metadata"]?.objectValue ?? [] {
            guard let members = fields.objectValue else { throw Invalid(reason: "metadata '\(collector)' is not an object") }
            metadata[collector] = Dictionary(members, uniquingKeysWith: { _, last in last })
        }
        var code: Digest?
        if let hex = try optionalString("code") {
            guard let digest = Digest(hex: hex) else { throw Invalid(reason: "'code' is not a digest") }
            code = digest
        }
        return CallRecord(
            name: name, module: try optionalString("module"), version: try optionalString("version"),
            codeDigest: code, arguments: arguments, metadata: metadata, result: result)
    }
}
