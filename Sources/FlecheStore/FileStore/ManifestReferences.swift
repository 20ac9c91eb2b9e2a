import FlecheValue

/// What a measure of a store's bytes reads of a manifest: the function, and the digests of
/// the values it keeps as objects (not inline), without building any inline value or the
/// metadata. `fleche du` and `fleche stats` read every manifest of a store this way.
package struct ManifestReferences: Sendable {
    /// The function's name.
    package let name: String
    /// The module that declared it, when recorded.
    package let module: String?
    /// The digests of the arguments and result stored as objects.
    package let objectDigests: [Digest]
    /// The manifest's size in bytes.
    package let manifestBytes: Int

    /// The references of a manifest known otherwise (a record read whole).
    package init(name: String, module: String?, objectDigests: [Digest], manifestBytes: Int) {
        self.name = name
        self.module = module
        self.objectDigests = objectDigests
        self.manifestBytes = manifestBytes
    }

    /// Reads a manifest's bytes: `name`, `module` and the references of `arguments` and
    /// `result`; other members are syntax-checked and skipped, and so is each inline value.
    /// - Throws: `CallManifest.Invalid` when the manifest does not parse or lacks a name.
    package init(parsing bytes: UnsafeRawBufferPointer) throws {
        do {
            var parser = JSONParser(bytes: bytes)
            var name: String?
            var module: String?
            var digests: [Digest] = []
            try parser.forEachMember { parser, key in
                switch key {
                case "name":
                    guard case .string(let text) = try parser.parseValue(depth: 1) else { throw CallManifest.Invalid(reason: "no 'name'") }
                    name = text
                case "module":
                    switch try parser.parseValue(depth: 1) {
                    case .null: module = nil
                    case .string(let text): module = text
                    default: throw CallManifest.Invalid(reason: "'module' is not text")
                    }
                case "arguments":
                    try parser.forEachElement { parser in
                        if let digest = try Self.objectDigest(&parser) { digests.append(digest) }
                    }
                case "result":
                    if parser.current == UInt8(ascii: "n") {
                        try parser.expect("null")
                    } else if let digest = try Self.objectDigest(&parser) {
                        digests.append(digest)
                    }
                default:
                    try parser.skipValue(depth: 1)
                }
            }
            try parser.finish()
            guard let name else { throw CallManifest.Invalid(reason: "no 'name'") }
            self.init(name: name, module: module, objectDigests: digests, manifestBytes: bytes.count)
        } catch let error as JSONParseError {
            throw CallManifest.Invalid(reason: "\(error)")
        }
    }

    /// The digest of a reference, `{"name"?, "digest", "value"?}`, when its value is not inline.
    private static func objectDigest(_ parser: inout JSONParser) throws -> Digest? {
        // The digest is checked in place and made only for a value kept as an object.
        var digest: UnsafeRawBufferPointer?
        var inline = false
        try parser.forEachMember { parser, key in
            switch key {
            case "digest":
                guard let text = try parser.digestText() else { throw CallManifest.Invalid(reason: "a reference has no valid 'digest'") }
                digest = text
            case "value":
                inline = true
                try parser.skipValue(depth: 3)
            default:
                try parser.skipValue(depth: 3)
            }
        }
        guard let digest else { throw CallManifest.Invalid(reason: "a reference has no valid 'digest'") }
        return inline ? nil : Digest(bytes: Digest.parse(digest)!)
    }
}
