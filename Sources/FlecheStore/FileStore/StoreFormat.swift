import FlecheValue
/// The store-wide settings in `<store>/FORMAT`, written once when the store is created.
///
/// ```json
/// {"fleche_store": 1, "digest": "sha256", "compression": "zlib", "compression_level": 1,
///  "inline_limit": 256, "destructure_depth": 1}
/// ```
public struct StoreFormat: Sendable, Equatable {
    /// The store layout version this build reads and writes.
    public static let currentVersion = 1

    /// The format version (`fleche_store`); a build opens only versions it knows.
    public var version: Int
    /// The digest algorithm of every key in the store.
    public var algorithm: DigestAlgorithm
    /// zlib level for objects (1 is fastest); 0 stores every payload raw.
    public var compressionLevel: Int
    /// Values whose encoded payload is at most this many bytes live inline in the call
    /// manifest instead of as objects. 256 bytes keeps a typical scalar-argument call at
    /// one file (the manifest) while a manifest stays a few hundred bytes, one disk block.
    public var inlineLimit: Int
    /// Containers at least this deep are stored as objects of their own (see
    /// `Destructuring`); `nil` stores every value as one object.
    public var destructureDepth: Int?

    /// The settings of a new store of the current version.
    public init(
        algorithm: DigestAlgorithm = .sha256, compressionLevel: Int = 1, inlineLimit: Int = 256,
        destructureDepth: Int? = 1
    ) {
        self.version = Self.currentVersion
        self.algorithm = algorithm
        self.compressionLevel = compressionLevel
        self.inlineLimit = inlineLimit
        self.destructureDepth = destructureDepth
    }

    var json: JSON {
        .object([
            ("fleche_store", .int(Int64(version))),
            ("digest", .string(algorithm.rawValue)),
            ("compression", .string(compressionLevel > 0 ? "zlib" : "none")),
            ("compression_level", .int(Int64(compressionLevel))),
            ("inline_limit", .int(Int64(inlineLimit))),
            ("destructure_depth", destructureDepth.map { .int(Int64($0)) } ?? .null),
        ])
    }

    /// The text of a `FORMAT` file.
    package var fileBytes: [UInt8] { json.serializedBytes(pretty: true) }

    /// Reads a `FORMAT` file's bytes; anything but a well-formed one of a version this build
    /// knows is `FlecheError/unknownFormat(path:reason:)`.
    package init(fileBytes: [UInt8], path: String) throws {
        let json: JSON
        do {
            json = try JSON.parse(fileBytes)
        } catch {
            throw FlecheError.unknownFormat(path: path, reason: "FORMAT is not valid JSON (\(error))")
        }
        try self.init(json: json, path: path)
    }

    init(json: JSON, path: String) throws {
        func fail(_ reason: String) -> FlecheError { .unknownFormat(path: path, reason: reason) }
        /// A whole-number setting in `range`, or `fallback` when it is absent.
        func setting(_ key: String, in range: ClosedRange<Int64>, fallback: Int64?) throws -> Int64? {
            switch json[key] {
            case nil, .null?: return fallback
            case let value?:
                guard let number = value.int64Value, range.contains(number) else {
                    throw fail("FORMAT's '\(key)' is \(value.serialized()); expected a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            }
        }
        guard json.objectValue != nil else { throw fail("FORMAT is not a JSON object") }
        guard let version = json["fleche_store"]?.int64Value else { throw fail("FORMAT has no 'fleche_store' version") }
        guard version == Self.currentVersion else {
            throw fail("store format version \(version); this build reads version \(Self.currentVersion) (upgrade fleche)")
        }
        guard let name = json["digest"]?.stringValue, let algorithm = DigestAlgorithm(rawValue: name) else {
            throw fail("unknown digest algorithm \(json["digest"]?.serialized() ?? "(none)")")
        }
        self.version = Int(version)
        self.algorithm = algorithm
        self.compressionLevel = Int(try setting("compression_level", in: 0...12, fallback: 1)!)
        self.inlineLimit = Int(try setting("inline_limit", in: 0...Int64(Int32.max), fallback: 256)!)
        self.destructureDepth = try setting("destructure_depth", in: 0...Int64(ValueCodec.maximumDepth), fallback: nil).map(Int.init)
    }
}
