import FlecheSystem
import FlecheValue
import Foundation

/// What reading one object back found: the check `fleche verify` makes of every object and
/// `fleche pull --verify` of every object that arrived.
package enum ObjectExamination: Sendable {
    /// The payload decodes, digests to the object's name, and its child references are the
    /// header's child list.
    case sound(children: [Digest])
    /// The object is damaged: the problem says how.
    case damaged(StoreProblem)
    /// The object is not there (removed meanwhile).
    case absent
}

extension ObjectExamination {
    /// Examines an object from its file's bytes (read from `location`): re-digests its
    /// payload (child references digest as the child) and compares the references it makes
    /// (to children and file bodies) with its header's child list. A file body is decoded
    /// whole in memory to be re-digested. A chunked value's list is checked, and, given
    /// `chunk` (the bytes of a chunk object), the value is re-digested from its chunks one at
    /// a time; a chunk that cannot be read leaves that to the chunk's own examination.
    package static func examine(
        _ bytes: [UInt8], key: Digest, location: String, algorithm: DigestAlgorithm,
        chunk: ((Digest) throws -> Data)? = nil
    ) -> ObjectExamination {
        func damaged(_ kind: StoreProblem.Kind, _ detail: String) -> ObjectExamination {
            .damaged(StoreProblem(kind: kind, key: key, path: location, detail: detail))
        }
        do {
            let object = try ObjectFile.parse(bytes)
            if object.codec == .chunked {
                let list = try ChunkList(object)
                guard let chunk else { return .sound(children: object.children) }
                var digester = BytesDigester(algorithm)
                for (digest, length) in zip(list.chunks, list.lengths) {
                    guard let data = try? chunk(digest) else { return .sound(children: object.children) }
                    guard data.count == length else {
                        return damaged(.corruptObject, "chunk \(digest.hex) holds \(data.count) bytes, its list says \(length)")
                    }
                    data.withUnsafeBytes { digester.update($0) }
                }
                let digest = digester.finalize()
                if digest != key { return damaged(.digestMismatch, "its chunks digest to \(digest.hex)") }
                return .sound(children: object.children)
            }
            var referenced: [Digest] = []
            let value = try object.withPayload { payload in
                try ValueCodec.decode(
                    payload,
                    resolve: { child in
                        referenced.append(child)
                        return .digest(child)
                    },
                    fileBody: { referenced.append($0) })
            }
            if Set(referenced) != Set(object.children) { return damaged(.corruptObject, "header children differ from payload references") }
            let digest = value.digest(using: algorithm)
            if digest != key { return damaged(.digestMismatch, "payload digests to \(digest.hex)") }
            return .sound(children: object.children)
        } catch {
            return damaged(.corruptObject, "\(error)")
        }
    }
}

extension FileObjectStorage {
    /// Reads object `key` back and examines it (``ObjectExamination/examine(_:key:location:algorithm:)``).
    /// - Throws: `FlecheError.io` when the object cannot be read (not when it is damaged).
    package func examine(_ key: Digest) throws -> ObjectExamination {
        let path = path(of: key)
        guard let bytes = try fenced({ try FileSystem.readFile(path) }) else { return .absent }
        return ObjectExamination.examine(bytes, key: key, location: path, algorithm: algorithm) { chunk in
            guard case .bytes(let data) = try self.load(chunk) else { throw FlecheError.notFound(key: chunk.hex) }
            return data
        }
    }
}

/// Spreads damage up an object graph: every object with a child that is missing or damaged
/// is damaged too, transitively.
///
/// - Parameters:
///   - children: each examined object's children.
///   - isPresent: whether an object exists (examined or not).
///   - damaged: the damaged objects; grows with the objects found to depend on them.
///   - found: called once per newly damaged object with (object, its bad child, whether the
///     child exists).
package func spreadDamage(
    children: [Digest: [Digest]], isPresent: (Digest) -> Bool, damaged: inout Set<Digest>,
    found: (Digest, Digest, Bool) -> Void
) {
    var changed = true
    while changed {
        changed = false
        for (key, kids) in children where !damaged.contains(key) {
            if let bad = kids.first(where: { !isPresent($0) || damaged.contains($0) }) {
                found(key, bad, isPresent(bad))
                damaged.insert(key)
                changed = true
            }
        }
    }
}
