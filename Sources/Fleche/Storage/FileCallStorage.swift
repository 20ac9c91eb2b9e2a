/// Call manifests under `<store>/calls/`, one small JSON file per lookup key.
public final class FileCallStorage: CallStorage, ShardedFileStorage {
    public let algorithm: DigestAlgorithm
    let layout: StoreLayout
    let durable: Bool

    init(layout: StoreLayout, algorithm: DigestAlgorithm, durable: Bool) {
        self.layout = layout
        self.algorithm = algorithm
        self.durable = durable
    }

    /// The path of the manifest for `key`.
    public func path(of key: Digest) -> String { layout.callPath(key) }

    var directory: String { layout.callsDirectory }

    /// Writes the manifest with one atomic rename, replacing any earlier record of the key
    /// (there is no window in which the key is missing).
    public func save(_ record: CallRecord, key: Digest) throws {
        try layout.writeAtomically(CallManifest.encode(record), to: path(of: key), durable: durable)
    }

    public func load(_ key: Digest) throws -> CallRecord {
        let target = path(of: key)
        guard let bytes = try FileSystem.readFile(target) else { throw FlecheError.notFound(key: key.hex) }
        do {
            return try CallManifest.decode(bytes)
        } catch let invalid as CallManifest.Invalid {
            throw FlecheError.corruptManifest(key: key, path: target, reason: invalid.reason)
        }
    }
}
