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

    init(json: JSON, path: String) throws {
        guard let version = json["fleche_store"]?.int64Value else {
            throw FlecheError.unknownFormat(path: path, reason: "FORMAT has no 'fleche_store' version")
        }
        guard version == Self.currentVersion else {
            throw FlecheError.unknownFormat(
                path: path, reason: "store format version \(version); this build reads version \(Self.currentVersion) (upgrade fleche)")
        }
        guard let name = json["digest"]?.stringValue, let algorithm = DigestAlgorithm(rawValue: name) else {
            throw FlecheError.unknownFormat(path: path, reason: "unknown digest algorithm \(json["digest"]?.serialized() ?? "(none)")")
        }
        self.version = Int(version)
        self.algorithm = algorithm
        self.compressionLevel = Int(json["compression_level"]?.int64Value ?? 1)
        self.inlineLimit = Int(json["inline_limit"]?.int64Value ?? 256)
        self.destructureDepth = json["destructure_depth"]?.int64Value.map(Int.init)
    }
}
