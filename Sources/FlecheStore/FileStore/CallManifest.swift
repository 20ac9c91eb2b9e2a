import FlecheValue
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
package enum CallManifest {
    static let version: Int64 = 1

    /// The manifest's text: the document above, indented by two spaces per level, ending
    /// with a line break. Written straight into bytes (building the JSON tree first and
    /// writing it was the largest cost of a miss: 92,000 instructions of 317,000, callgrind);
    /// the text is the same, as the manifest fixtures pin.
    package static func encode(_ record: CallRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        out.append(contentsOf: "{\n  \"fleche_call\": \(version),\n  \"name\": ".utf8)
        JSON.writeString(record.name, into: &out)
        out.append(contentsOf: ",\n  \"module\": ".utf8)
        writeOptionalString(record.module, into: &out)
        out.append(contentsOf: ",\n  \"version\": ".utf8)
        writeOptionalString(record.version, into: &out)
        out.append(contentsOf: ",\n  \"code\": ".utf8)
        if let code = record.codeDigest { writeDigest(code, into: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: ",\n  \"arguments\": ".utf8)
        if record.arguments.isEmpty {
            out.append(contentsOf: "[]".utf8)
        } else {
            out.append(UInt8(ascii: "["))
            for (index, argument) in record.arguments.enumerated() {
                out.append(contentsOf: (index == 0 ? "\n    {\n      \"name\": " : ",\n    {\n      \"name\": ").utf8)
                JSON.writeString(argument.name, into: &out)
                out.append(contentsOf: ",\n      ".utf8)
                writeReferenceMembers(argument.value, indent: 3, into: &out)
                out.append(contentsOf: "\n    }".utf8)
            }
            out.append(contentsOf: "\n  ]".utf8)
        }
        out.append(contentsOf: ",\n  \"result\": ".utf8)
        if let result = record.result {
            out.append(contentsOf: "{\n    ".utf8)
            writeReferenceMembers(result, indent: 2, into: &out)
            out.append(contentsOf: "\n  }".utf8)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: ",\n  \"metadata\": ".utf8)
        if record.metadata.isEmpty {
            out.append(contentsOf: "{}".utf8)
        } else {
            out.append(UInt8(ascii: "{"))
            for (index, (collector, fields)) in record.metadata.sorted(by: { $0.key < $1.key }).enumerated() {
                out.append(contentsOf: (index == 0 ? "\n    " : ",\n    ").utf8)
                JSON.writeString(collector, into: &out)
                if fields.isEmpty {
                    out.append(contentsOf: ": {}".utf8)
                    continue
                }
                out.append(contentsOf: ": {".utf8)
                for (fieldIndex, (name, value)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                    out.append(contentsOf: (fieldIndex == 0 ? "\n      " : ",\n      ").utf8)
                    JSON.writeString(name, into: &out)
                    out.append(contentsOf: ": ".utf8)
                    value.write(into: &out, pretty: true, indent: 3)
                }
                out.append(contentsOf: "\n    }".utf8)
            }
            out.append(contentsOf: "\n  }".utf8)
        }
        out.append(contentsOf: "\n}\n".utf8)
        return out
    }

    /// `"digest": "…"` and, for an inline value, `,` + line + `"value": …` at `indent`.
    private static func writeReferenceMembers(_ reference: ValueReference, indent: Int, into out: inout [UInt8]) {
        out.append(contentsOf: "\"digest\": ".utf8)
        writeDigest(reference.digest, into: &out)
        guard let inline = reference.inline else { return }
        out.append(contentsOf: ",\n".utf8)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
        out.append(contentsOf: "\"value\": ".utf8)
        inline.jsonForm.write(into: &out, pretty: true, indent: indent)
    }

    private static func writeOptionalString(_ text: String?, into out: inout [UInt8]) {
        if let text { JSON.writeString(text, into: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    private static func writeDigest(_ digest: Digest, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in digest.bytes {
            out.append(Hex.digits[Int(byte >> 4)])
            out.append(Hex.digits[Int(byte & 0x0f)])
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The members both readers check, each of which may appear once: its bit in a mask of
    /// those seen (no set to allocate and hash per manifest a query reads), or 0.
    static func envelopeBit(_ key: String) -> UInt8 {
        switch key {
        case "fleche_call": 1
        case "name": 2
        case "arguments": 4
        case "result": 8
        default: 0
        }
    }

    /// A manifest that does not decode, and why.
    package struct Invalid: Error, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    /// Reads only the result reference of a manifest (the hit path): the other members are
    /// syntax-checked but not built. The envelope is checked as ``decode(_:members:)`` checks
    /// it (a `fleche_call` version, a `name` string, an `arguments` list), so what the hit path
    /// accepts a query reads too; the contents of the members it skips are not checked.
    package static func decodeResult(_ bytes: [UInt8]) throws -> ValueReference? {
        try bytes.withUnsafeBytes { try decodeResult($0) }
    }

    package static func decodeResult(_ bytes: UnsafeRawBufferPointer) throws -> ValueReference? {
        do {
            var parser = JSONParser(bytes: bytes)
            var format: Int64?
            var nameKind: UInt8?
            var argumentsKind: UInt8?
            var result: ValueReference?
            var envelopeSeen: UInt8 = 0
            try parser.forEachMember { parser, key in
                let bit = Self.envelopeBit(key)
                guard envelopeSeen & bit == 0 else { throw Invalid(reason: "duplicate member '\(key)'") }
                envelopeSeen |= bit
                switch key {
                case "fleche_call":
                    format = try parser.parseValue(depth: 1).int64Value
                case "result":
                    if parser.current == UInt8(ascii: "n") {
                        try parser.expect("null")
                    } else {
                        result = try Self.reference(&parser, what: "result").1
                    }
                case "name":
                    nameKind = parser.current
                    try parser.skipValue(depth: 1)
                case "arguments":
                    argumentsKind = parser.current
                    try parser.skipValue(depth: 1)
                default:
                    try parser.skipValue(depth: 1)
                }
            }
            try parser.finish()
            guard let format else { throw Invalid(reason: "no 'fleche_call' version") }
            guard format == version else {
                throw Invalid(reason: "manifest version \(format); this build reads version \(version)")
            }
            guard nameKind == UInt8(ascii: "\"") else { throw Invalid(reason: "no 'name'") }
            guard argumentsKind == UInt8(ascii: "[") else { throw Invalid(reason: "no 'arguments' list") }
            return result
        } catch let error as JSONParseError {
            throw Invalid(reason: "\(error)")
        }
    }

    /// Reads a whole manifest, walking the text once without building a JSON tree of the
    /// envelope (a query or gc reads one manifest per call; building the tree and then the
    /// record was a third of a query, perf). Inline values and metadata fields go through
    /// ``JSON``, which they are.
    ///
    /// With `members`, only those members (and `fleche_call` and `name`) are built; the
    /// others are syntax-checked and left empty in the record: what matching a query needs.
    package static func decode(_ bytes: [UInt8], members: Set<String>? = nil) throws -> CallRecord {
        try bytes.withUnsafeBytes { try decode($0, members: members) }
    }

    package static func decode(_ raw: UnsafeRawBufferPointer, members: Set<String>? = nil) throws -> CallRecord {
        do {
            return try { () throws -> CallRecord in
                var parser = JSONParser(bytes: raw)
                var sawFormat = false
                var name: String?
                var module: String?
                var version: String?
                var code: Digest?
                var arguments: [CallRecord.Argument]?
                var result: ValueReference?
                var metadata: Metadata = [:]
                var envelopeSeen: UInt8 = 0
                try parser.forEachMember { parser, key in
                    // The hit path refuses these twice too (`decodeResult`); other members keep
                    // the last occurrence.
                    let bit = Self.envelopeBit(key)
                    guard envelopeSeen & bit == 0 else { throw Invalid(reason: "duplicate member '\(key)'") }
                    envelopeSeen |= bit
                    if let members, key != "fleche_call", key != "name", !members.contains(key) {
                        if key == "arguments" {
                            guard parser.current == UInt8(ascii: "[") else { throw Invalid(reason: "no 'arguments' list") }
                            arguments = []
                        }
                        try parser.skipValue(depth: 1)
                        return
                    }
                    switch key {
                    case "fleche_call":
                        guard let format = try parser.parseValue(depth: 1).int64Value else {
                            throw Invalid(reason: "no 'fleche_call' version")
                        }
                        guard format == Self.version else {
                            throw Invalid(reason: "manifest version \(format); this build reads version \(Self.version)")
                        }
                        sawFormat = true
                    case "name":
                        guard case .string(let text) = try parser.parseValue(depth: 1) else { throw Invalid(reason: "no 'name'") }
                        name = text
                    case "module": module = try optionalString(&parser, key)
                    case "version": version = try optionalString(&parser, key)
                    case "code":
                        if let hex = try optionalString(&parser, key) {
                            guard let digest = Digest(hex: hex) else { throw Invalid(reason: "'code' is not a digest") }
                            code = digest
                        }
                    case "arguments":
                        var list: [CallRecord.Argument] = []
                        try parser.forEachElement { parser in
                            let (argumentName, reference) = try Self.reference(&parser, what: "an argument")
                            guard let argumentName else { throw Invalid(reason: "an argument has no 'name'") }
                            list.append(.init(name: argumentName, value: reference))
                        }
                        arguments = list
                    case "result":
                        if parser.current == UInt8(ascii: "n") {
                            try parser.expect("null")
                        } else {
                            result = try Self.reference(&parser, what: "result").1
                        }
                    case "metadata":
                        try parser.forEachMember { parser, collector in
                            guard parser.current == UInt8(ascii: "{") else {
                                throw Invalid(reason: "metadata '\(collector)' is not an object")
                            }
                            var fields: [String: JSON] = [:]
                            try parser.forEachMember { parser, field in
                                fields[field] = try parser.parseValue(depth: 3)
                            }
                            metadata[collector] = fields
                        }
                    default:
                        try parser.skipValue(depth: 1)
                    }
                }
                try parser.finish()
                guard sawFormat else { throw Invalid(reason: "no 'fleche_call' version") }
                guard let name else { throw Invalid(reason: "no 'name'") }
                guard let arguments else { throw Invalid(reason: "no 'arguments' list") }
                return CallRecord(
                    name: name, module: module, version: version, codeDigest: code, arguments: arguments,
                    metadata: metadata, result: result)
            }()
        } catch let error as JSONParseError {
            throw Invalid(reason: "\(error)")
        }
    }

    private static func optionalString(_ parser: inout JSONParser, _ key: String) throws -> String? {
        switch try parser.parseValue(depth: 1) {
        case .null: return nil
        case .string(let text): return text
        default: throw Invalid(reason: "'\(key)' is not a string")
        }
    }

    /// A `{"name"?, "digest", "value"?}` object: the name, if any, and the reference. The
    /// inline value is read straight from the text (``Value/init(readingJSONFormAt:depth:)``),
    /// on the hit path and in every full read alike.
    private static func reference(_ parser: inout JSONParser, what: String) throws -> (String?, ValueReference) {
        var name: String?
        var digest: Digest?
        var inline: Value?
        try parser.forEachMember { parser, key in
            switch key {
            case "name":
                guard case .string(let text) = try parser.parseValue(depth: 3) else { throw Invalid(reason: "\(what) has no 'name'") }
                name = text
            case "digest":
                guard let parsed = try parser.parseDigest() else { throw Invalid(reason: "\(what) has no valid 'digest'") }
                digest = parsed
            case "value":
                do {
                    inline = try Value(readingJSONFormAt: &parser, depth: 3)
                } catch let error as ValueFormError {
                    let subject = name.map { "argument '\($0)'" } ?? what
                    throw Invalid(reason: "\(subject) has an invalid inline value: \(error)")
                }
            default: try parser.skipValue(depth: 3)
            }
        }
        let subject = name.map { "argument '\($0)'" } ?? what
        guard let digest else { throw Invalid(reason: "\(subject) has no valid 'digest'") }
        return (name, ValueReference(digest: digest, inline: inline))
    }
}
