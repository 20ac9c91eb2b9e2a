import FlecheSystem
import FlecheValue

/// Where file and directory artifacts decoded from a store find the bytes of their files:
/// the object storages of the store that held the call, and of the stores behind it (a
/// stack's layers), tried in order. A memoized call decodes its stored result with the
/// cache's content in ``current``, so that the artifacts it returns can be written out.
package final class ArtifactContent: Sendable {
    /// The storages tried in order.
    package let storages: [FileObjectStorage]
    /// The content of every artifact decoded with this as ``current``.
    private let decoded = Locked<[Digest]>([])

    /// Content found in `storages`, the first that holds a file tried first.
    package init(_ storages: [FileObjectStorage]) {
        self.storages = storages
    }

    /// The content artifacts decoded here read their files from; `nil` outside a decoding
    /// of a stored result (an artifact decoded without it can describe its files, not
    /// write them).
    @TaskLocal package static var current: ArtifactContent?

    /// Whether some storage holds `content` (a file body, or a value object of its bytes).
    package func contains(_ content: Digest) -> Bool {
        storages.contains { FileSystem.exists($0.path(of: content)) }
    }

    /// Notes that an artifact decoded here refers to `content`.
    func noteDecoded(_ content: Digest) {
        decoded.withLock { $0.append(content) }
    }

    /// The content that artifacts decoded here refer to and no storage holds: a result
    /// that cannot be written out, which a memoized call treats as a miss.
    package var missing: [Digest] {
        decoded.withLock { $0 }.filter { !contains($0) }
    }

    /// The read-only file holding `content` that a result can be hard-linked to, in the first
    /// storage that holds it (``FileObjectStorage/linkSource(for:executable:)``).
    func linkSource(for content: Digest, executable: Bool) throws -> String? {
        for storage in storages {
            if let source = try storage.linkSource(for: content, executable: executable) { return source }
        }
        return nil
    }

    /// Writes the bytes of `content` into `file` from the first storage that holds them.
    ///
    /// - Throws: `FlecheError.notFound(key:)` when none does, what
    ///   `FileObjectStorage.writeContent(_:into:clone:)` throws for a damaged one.
    func write(_ content: Digest, into file: borrowing NewFile, clone: Bool) throws {
        for storage in storages {
            do {
                return try storage.writeContent(content, into: file, clone: clone)
            } catch FlecheError.notFound {
                continue
            }
        }
        throw FlecheError.notFound(key: content.hex)
    }
}

/// Where the files of a memoized function's result go while the result is encoded: each
/// file or directory artifact with a path stores its files' bytes as file bodies of the
/// store the call is saved in, hashed as they are copied (one read per file), and records
/// their digests.
package final class ResultFiles: Sendable {
    /// The storage the bodies are written to.
    let objects: FileObjectStorage
    private let stored = Locked<[Digest]>([])

    /// Bodies stored into `objects`.
    package init(_ objects: FileObjectStorage) {
        self.objects = objects
    }

    /// The collection encoding stores into; `nil` outside the encoding of a result.
    @TaskLocal package static var collecting: ResultFiles?

    /// Stores the file at `path` and returns its content digest and size.
    func store(_ path: String) throws -> (content: Digest, size: Int) {
        let body = try objects.storeFileBody(from: path)
        stored.withLock { $0.append(body.content) }
        return body
    }

    /// Whether any file was stored.
    package var isEmpty: Bool { stored.withLock { $0.isEmpty } }
}

extension Value {
    /// Whether this value may hold a file or directory artifact (a record of that type
    /// name somewhere in it): a stored result that does not is decoded without looking up
    /// where artifact content lives.
    package var mayHoldArtifacts: Bool {
        switch self {
        case .record(let type, let fields):
            type == "FileArtifact" || type == "DirectoryArtifact" || fields.contains { $0.value.mayHoldArtifacts }
        case .array(let items), .set(let items):
            items.contains { $0.mayHoldArtifacts }
        case .dictionary(let entries):
            entries.contains { $0.value.mayHoldArtifacts }
        case .some(let wrapped):
            wrapped.mayHoldArtifacts
        default:
            false
        }
    }
}
