import FlecheStore
import FlecheValue
/// The language-neutral JSON form of a call's identity, as the call fixtures write it:
///
/// ```json
/// {"name": "f", "module": "M", "version": "1", "code": null, "arguments": [["i", 1], ["s", "a"]]}
/// ```
/// Argument values are in the JSON form of values (``Value/jsonForm``).
extension Call {
    /// Reads a call's identity from its language-neutral JSON form (the fixtures' `call`).
    /// - Parameter json: an object with `name` and optional `module`, `version`, `code`, `arguments`.
    /// - Throws: `ValueFormError` for a document that is not a call's JSON form.
    public init(jsonForm json: JSON) throws {
        guard let name = json["name"]?.stringValue else { throw ValueFormError("a call needs a string 'name'") }
        var arguments: [Argument] = []
        for pair in json["arguments"]?.arrayValue ?? [] {
            guard let parts = pair.arrayValue, parts.count == 2, let argumentName = parts[0].stringValue else {
                throw ValueFormError("a call argument is [name, value]")
            }
            arguments.append(Argument(name: argumentName, value: try Value(jsonForm: parts[1])))
        }
        var code: Digest?
        if let hex = json["code"]?.stringValue {
            guard let digest = Digest(hex: hex) else { throw ValueFormError("'code' is not a full digest") }
            code = digest
        }
        self.init(
            name: name, module: json["module"]?.stringValue, version: json["version"]?.stringValue,
            codeDigest: code, arguments: arguments)
    }

    /// The call's identity (no metadata, no result) in its JSON form.
    public var jsonForm: JSON {
        .object([
            ("name", .string(name)),
            ("module", module.map(JSON.string) ?? .null),
            ("version", version.map(JSON.string) ?? .null),
            ("code", codeDigest.map { .string($0.hex) } ?? .null),
            ("arguments", .array(arguments.map { .array([.string($0.name), $0.value.jsonForm]) })),
        ])
    }
}
