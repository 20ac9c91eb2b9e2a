import Foundation
import FlecheValue

/// The objects of a value byte for byte as the file store writes them (the same
/// destructuring, header and compression), for storages that keep them elsewhere: an S3
/// bucket holds the files of `objects/` under the same names, so either can be copied to
/// the other (docs/FORMAT.md, "S3").
package enum ObjectBytes {
    /// One object: its digest, its file's bytes, and the objects its payload refers to.
    package struct Object: Sendable {
        /// The object's key.
        package let digest: Digest
        /// The file's bytes: header, then the payload (compressed when that pays).
        package let bytes: [UInt8]
        /// The split-out children the payload refers to.
        package let children: [Digest]
    }

    /// The objects of `value`, children before their parents; the last is `key`'s.
    package static func objects(of value: Value, key: Digest, format: StoreFormat) -> [Object] {
        let level = format.compressionLevel > 0 ? Int32(format.compressionLevel) : nil
        func object(_ digest: Digest, _ payload: [UInt8], _ children: [Digest]) -> Object {
            let bytes = ObjectFile.encode(
                payload: payload, children: children, digestLength: format.algorithm.digestByteCount, compressionLevel: level)
            return Object(digest: digest, bytes: bytes, children: children)
        }
        guard let depth = format.destructureDepth else { return [object(key, ValueCodec.encode(value), [])] }
        var seen = Set<Digest>()
        return Destructuring(depth: depth, algorithm: format.algorithm).split(value, digest: key)
            .filter { seen.insert($0.digest).inserted }
            .map { object($0.digest, $0.payload, $0.children) }
    }

    /// The children named in an object's header.
    /// - Throws: `FlecheError.corruptObject` naming `location` when the header does not parse.
    package static func children(of bytes: [UInt8], key: Digest, location: String) throws -> [Digest] {
        try header(of: bytes, key: key, location: location).children
    }

    /// What an object's header says: its children and the size of its payload (before
    /// compression; 0 for a chunked value's list, whose chunks count its content). `bytes` may be the file's start only, as long as it holds the header.
    /// - Throws: `FlecheError.corruptObject` naming `location` when the header does not parse.
    package static func header(of bytes: [UInt8], key: Digest, location: String) throws -> (children: [Digest], payloadSize: Int) {
        do {
            let object = try ObjectFile.parse(bytes, headerOnly: true)
            return (object.children, object.ownPayloadSize)
        } catch {
            throw FlecheError.corruptObject(key: key, path: location, reason: "\(error)")
        }
    }

    /// Decodes the object `key` from its file's bytes, `resolve` standing in for children (a
    /// chunked value is the concatenation of what `resolve` gives for its chunks).
    /// - Throws: `FlecheError.corruptObject` naming `location` when the bytes do not decode.
    package static func decode(
        _ bytes: [UInt8], key: Digest, location: String, resolve: @escaping ValueCodec.ChildResolver
    ) throws -> Value {
        do {
            let object = try ObjectFile.parse(bytes)
            guard object.codec == .chunked else { return try object.withPayload { try ValueCodec.decode($0, resolve: resolve) } }
            // A value in chunks (docs/FORMAT.md, "Chunked bytes"): the chunks, in order.
            let list = try ChunkList(object)
            var content = Data(capacity: list.size)
            for (chunk, length) in zip(list.chunks, list.lengths) {
                guard case .bytes(let piece) = try resolve(chunk), piece.count == length else {
                    throw FlecheError.corruptObject(key: key, path: location, reason: "chunk \(chunk.hex) is not the \(length) bytes its list says")
                }
                content.append(piece)
            }
            return .bytes(content)
        } catch let error as FlecheError {
            throw error
        } catch {
            throw FlecheError.corruptObject(key: key, path: location, reason: "\(error)")
        }
    }
}
