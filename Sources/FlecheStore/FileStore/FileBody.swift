import CXXHash
import FlecheSystem
import FlecheValue

/// The object form of a file's content: a `bytes` value whose object holds the bytes as
/// they are, from offset 4,096 on (docs/FORMAT.md, "File bodies").
///
/// ```
/// "FLO" 0x01, codec 2, digest length, 0 (no children), size varint, XXH3-64 of the body
/// zero bytes up to offset 4,096
/// the file's bytes
/// ```
/// Its name is the digest of the `bytes` value (``BytesDigester``), so the object is the
/// very value a `Data` of those bytes is. The body starts at a multiple of every common
/// block size, so a file system with shared extents (btrfs, XFS) can clone it into a
/// materialized file without copying a byte; it is written and read in pieces, so memory
/// stays at one buffer whatever the file's size.
enum FileBody {
    /// Where the body starts in the object file.
    static let offset = 4_096

    /// The header of a file body of `size` bytes with checksum `check`, padded to ``offset``.
    static func header(size: Int, check: UInt64, digestLength: Int) -> [UInt8] {
        let header = ObjectFile.header(codec: .fileBody, children: [], payloadSize: size, check: check, digestLength: digestLength)
        return header + repeatElement(0, count: offset - header.count)
    }
}

/// XXH3-64 of bytes that arrive in pieces: the check of a file body, equal to
/// ``ObjectFile/checksum(_:)`` of the whole.
struct PiecewiseChecksum: ~Copyable {
    private let state: OpaquePointer

    init() {
        state = XXH3_createState()
        XXH3_64bits_reset(state)
    }

    deinit { XXH3_freeState(state) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        #if arch(x86_64)
        _ = XXH3_64bits_update_dispatch(state, bytes.baseAddress, bytes.count)
        #else
        _ = XXH3_64bits_update(state, bytes.baseAddress, bytes.count)
        #endif
    }

    func finalize() -> UInt64 { XXH3_64bits_digest(state) }
}

extension FileObjectStorage {
    /// Whether the object `digest` is a file body, whole or in chunks (not a value object
    /// holding the same bytes).
    func isFileBody(_ digest: Digest) -> Bool {
        let codec = (try? header(digest))??.codec
        return codec == .fileBody || codec == .chunked
    }

    /// The content digests of the file and directory artifacts in `value` that name file
    /// bodies of this store: what its objects refer to as file bodies (tag 17) and list as
    /// children (other digest values are left as they are). Each body found has its time
    /// refreshed, as a save refreshes an object that exists: under the store's write lock,
    /// that tells a concurrent gc the body is in use again (one it has swept already is not
    /// found, so no object refers to a missing body: the call's next hit is a miss).
    func fileBodies(in value: Value) -> Set<Digest> {
        guard value.mayHoldArtifacts else { return [] }
        var found = Set<Digest>()
        func check(_ content: Value?) {
            guard case .digest(let digest)? = content, !found.contains(digest) else { return }
            if FileSystem.touch(path(of: digest)) == .touched, isFileBody(digest) { found.insert(digest) }
        }
        func visit(_ node: Value) {
            switch node {
            case .record(type: "FileArtifact", let fields):
                check(fields.first { $0.name == "content" }?.value)
            case .record(type: "DirectoryArtifact", let fields):
                guard case .dictionary(let entries)? = fields.first(where: { $0.name == "files" })?.value else { return }
                for entry in entries { check(entry.value) }
            case .array, .set, .dictionary, .record, .some:
                for child in node.children { visit(child) }
            default:
                break
            }
        }
        visit(value)
        return found
    }

    /// Stores the content of the file at `path` as a file body, hashing it as it is copied
    /// (one read, in pieces: memory stays at one buffer), and returns its content digest
    /// (the digest its bytes have as a `bytes` value) and size. A body that is there
    /// already is not written again (its time is refreshed, for a concurrent gc); a value
    /// object of the same name is replaced by the body (it is the same value).
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` when there is no such file,
    ///   `FlecheError.io` when it cannot be read or the store written.
    package func storeFileBody(from path: String) throws -> (content: Digest, size: Int) {
        if case .regular(let identity, _)? = try? FileSystem.kind(of: path, followingLinks: true),
            identity.size >= ChunkList.threshold {
            return try storeChunkedFileBody(from: path)
        }
        let temporary = layout.temporaryPath()
        let file = try layout.creatingTemporaryFolder { try NewFile(creating: temporary) }
        var digester = BytesDigester(algorithm)
        let check = PiecewiseChecksum()
        var size = 0
        do {
            try [UInt8](repeating: 0, count: FileBody.offset).withUnsafeBytes { try file.write($0) }
            let read = try fenced {
                try FileSystem.readPieces(path) { piece in
                    digester.update(piece)
                    check.update(piece)
                    size += piece.count
                    try file.write(piece)
                }
            }
            guard read != nil else { throw FlecheError.invalidArtifact(path: path, reason: "no such file") }
            try FileBody.header(size: size, check: check.finalize(), digestLength: algorithm.digestByteCount)
                .withUnsafeBytes { try file.write($0, at: 0) }
        } catch {
            file.abandon()
            throw (error as? SystemCallError).map { FlecheError($0) } ?? error
        }
        let content = digester.finalize()
        let target = self.path(of: content)
        if FileSystem.touch(target) == .touched, isFileBody(content) {
            file.abandon()
            return (content, size)
        }
        do {
            try file.finish(durable: durable)
        } catch {
            throw FlecheError(error)
        }
        try layout.moveIntoPlace(temporary, target)
        return (content, size)
    }

    /// Writes the bytes of the object `content` (a file body, or a value object holding a
    /// `bytes` value) into `file`: cloned when `clone` allows and the file system can,
    /// else copied in pieces with the body's checksum checked. A body whose bytes do not
    /// match its checksum is set aside (`lost+found/`) and reported as damaged.
    ///
    /// - Throws: `FlecheError.notFound(key:)` when there is no such object,
    ///   `FlecheError.corruptObject` when it is damaged or not bytes, `FlecheError.io`.
    package func writeContent(_ content: Digest, into file: borrowing NewFile, clone: Bool) throws {
        let source = path(of: content)
        guard let header = try header(content) else { throw FlecheError.notFound(key: content.hex) }
        if header.codec == .chunked {
            try forEachChunk(of: content) { piece in try fenced { try file.write(piece) } }
            return
        }
        guard header.codec == .fileBody else {
            guard case .bytes(let data) = try load(content) else {
                throw FlecheError.corruptObject(key: content, path: source, reason: "not the bytes of a file")
            }
            try fenced { try data.withUnsafeBytes { try file.write($0) } }
            return
        }
        if clone, try fenced({ try file.clone(from: source, offset: FileBody.offset) }) { return }
        let check = PiecewiseChecksum()
        var size = 0
        let read = try fenced {
            try FileSystem.readPieces(source, from: FileBody.offset) { piece in
                check.update(piece)
                size += piece.count
                try file.write(piece)
            }
        }
        guard read != nil else { throw FlecheError.notFound(key: content.hex) }
        guard size == header.payloadSize, check.finalize() == header.checksum else {
            let reason = "its body does not match its header (\(size) bytes read, checksum mismatch or truncation)"
            layout.setAside(source, folder: .objects, key: content, reason: reason)
            throw FlecheError.corruptObject(key: content, path: source, reason: reason)
        }
    }
}

extension FileObjectStorage {
    /// The size of the file whose content is the file body `content`, from its header;
    /// `nil` when there is no such body (or the object is a value object, whose payload
    /// size is not the file's).
    package func fileBodySize(_ content: Digest) -> Int? {
        guard let header = try? header(content), header.codec == .fileBody || header.codec == .chunked else { return nil }
        return header.payloadSize
    }
}
