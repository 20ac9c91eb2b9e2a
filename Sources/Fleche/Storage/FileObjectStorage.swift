import Foundation

/// Value objects under `<store>/objects/`, one zlib-compressed (or raw) file per digest.
public final class FileObjectStorage: ValueStorage, ShardedFileStorage {
    public let algorithm: DigestAlgorithm
    let layout: StoreLayout
    let format: StoreFormat
    let durable: Bool

    init(layout: StoreLayout, format: StoreFormat, durable: Bool) {
        self.layout = layout
        self.format = format
        self.algorithm = format.algorithm
        self.durable = durable
    }

    /// The path of the object for `key`.
    public func path(of key: Digest) -> String { layout.objectPath(key) }

    var directory: String { layout.objectsDirectory }

    /// Stores `value` unless an object with its digest exists; an existing object gets its
    /// modification time refreshed, which tells a concurrent gc that it is in use again.
    public func save(_ value: Value, key: Digest) throws {
        let target = path(of: key)
        if FileSystem.touch(target) || (errno != ENOENT && FileSystem.exists(target)) { return }
        let payload = ValueCodec.encode(value)
        let bytes = ObjectFile.encode(
            payload: payload, children: [], digestLength: algorithm.digestByteCount,
            compressionLevel: format.compressionLevel > 0 ? Int32(format.compressionLevel) : nil)
        try layout.writeAtomically(bytes, to: target, durable: durable)
    }

    public func load(_ key: Digest) throws -> Value {
        let target = path(of: key)
        guard let bytes = try FileSystem.readFile(target) else { throw FlecheError.notFound(key: key.hex) }
        do {
            let object = try ObjectFile.parse(bytes)
            return try ValueCodec.decode(try object.payload())
        } catch {
            throw FlecheError.corruptObject(key: key, path: target, reason: "\(error)")
        }
    }

    /// The header of the object for `key` (child digests, codec, sizes), read without the
    /// payload; `nil` if there is no such object.
    func header(_ key: Digest) throws -> ObjectFile? {
        let target = path(of: key)
        guard let bytes = try FileSystem.readPrefix(target, limit: 4096) else { return nil }
        do {
            return try ObjectFile.parse(bytes, headerOnly: true)
        } catch {
            throw FlecheError.corruptObject(key: key, path: target, reason: "\(error)")
        }
    }
}
