import FlecheSystem
import FlecheValue

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

    /// Stores `value` (split into objects per ``StoreFormat/destructureDepth``), children
    /// before parents; a file artifact's content that names a file body of this store is
    /// stored as a reference to the body (docs/FORMAT.md, "File bodies"). An object that
    /// exists is not written again, but its modification time is refreshed: that tells a
    /// concurrent gc it is in use again (docs/FORMAT.md, gc).
    public func save(_ value: Value, key: Digest) throws {
        try saveCountingBytes(value, key: key)
    }

    /// Stores `value` as ``save(_:key:)`` does under its digest, and returns the digest. A
    /// `bytes` value stored in chunks (4 MiB or more) is named while its chunks are cut,
    /// hashed and written: in one pass with its chunks where the CPU has the SHA extensions,
    /// else hashed whole on a core of its own, so that naming it costs little time of its own.
    @discardableResult
    public func save(_ value: Value) throws -> Digest {
        try saveCountingBytes(value).key
    }

    /// Saves `value` as ``save(_:)`` does and returns its digest and the bytes of the files
    /// it wrote (0 when every object was there already).
    package func saveCountingBytes(_ value: Value) throws -> (key: Digest, written: Int) {
        if case .bytes(let data) = value, data.count >= ChunkList.threshold {
            return try storeChunked(data, key: nil)
        }
        let key = value.digest(using: algorithm)
        return (key, try saveCountingBytes(value, key: key))
    }

    /// Saves `value` as ``save(_:key:)`` does and returns the bytes of the files it wrote
    /// (0 when every object was there already): what the store's statistics count.
    @discardableResult
    package func saveCountingBytes(_ value: Value, key: Digest) throws -> Int {
        if case .bytes(let data) = value, data.count >= Self.largeBytesThreshold {
            if data.count >= ChunkList.threshold { return try storeChunked(data, key: key).written }
            return try data.withUnsafeBytes { try storeBytesObject($0, key: key) }
        }
        let bodies = fileBodies(in: value)
        guard let depth = format.destructureDepth else {
            let (payload, children) = ValueCodec.encodeObject(value, childReferences: nil, fileBodies: bodies)
            return try store(digest: key, payload: payload, children: children)
        }
        var stored = Set<Digest>()
        var written = 0
        for piece in Destructuring(depth: depth, algorithm: algorithm, fileBodies: bodies).split(value, digest: key)
        where stored.insert(piece.digest).inserted {
            written += try store(digest: piece.digest, payload: piece.payload, children: piece.children)
        }
        return written
    }

    /// Writes one object unless a whole one is there (``isStoredWhole(_:payload:children:)``);
    /// `sampled` when the caller found the payload compressible already.
    func store(digest: Digest, payload: [UInt8], children: [Digest], sampled: Bool = false) throws -> Int {
        if payload.withUnsafeBytes({ isStoredWhole(digest, payload: [$0], children: children) }) { return 0 }
        let (header, body) = ObjectFile.encodeParts(
            payload: payload, children: children, digestLength: algorithm.digestByteCount,
            compressionLevel: format.compressionLevel > 0 ? Int32(format.compressionLevel) : nil, sampled: sampled)
        try layout.writeAtomically([header, body], to: path(of: digest), durable: durable)
        return header.count + body.count
    }

    /// Whether the object `key` is there whole, holding the payload that is the
    /// concatenation of `parts`, with `children` (its time is then refreshed, for a
    /// concurrent gc): the caller writes it only when not. An object that is there but
    /// damaged (cut short, emptied or zeroed by a power loss,
    /// ``ObjectFile/isWhole(head:tail:fileSize:payload:children:)``) is set aside in
    /// `lost+found/`, since refreshing its time would keep the damage; one that cannot be
    /// read, or touched (made read-only), counts as whole, so that only proven damage
    /// replaces an object.
    func isStoredWhole(_ key: Digest, payload parts: [UnsafeRawBufferPointer], children: [Digest]) -> Bool {
        let target = path(of: key)
        switch FileSystem.touch(target) {
        case .touched: break
        case .failed: return FileSystem.exists(target)
        case .missing: return false
        }
        let head = ObjectFile.maximumHeaderLength(children: children.count, digestLength: algorithm.digestByteCount)
        let read: (head: [UInt8], tail: [UInt8], size: Int)?
        do {
            read = try FileSystem.readEnds(target, head: head, tail: 4_096)
        } catch {
            return true
        }
        guard let ends = read else { return false }
        if ObjectFile.isWhole(head: ends.head, tail: ends.tail, fileSize: ends.size, payload: parts, children: children) {
            return true
        }
        layout.setAside(target, folder: .objects, key: key, reason: "it does not hold its value whole")
        return false
    }

    /// Loads a value, mending split-out children from their objects.
    public func load(_ key: Digest) throws -> Value {
        try decode(key) { try self.load($0) }
    }

    /// Decodes the object `key` with `resolve` standing in for its children.
    func decode(_ key: Digest, resolve: @escaping ValueCodec.ChildResolver) throws -> Value {
        let target = path(of: key)
        let bytes: [UInt8]
        switch try fenced({ try FileSystem.readFile(target, unlessLargerThan: Self.largeBytesThreshold) }) {
        case nil:
            throw FlecheError.notFound(key: key.hex)
        case .whole(let whole)?:
            bytes = whole
        case .larger?:
            // A large `Data` goes straight into its own buffer; anything else is read whole.
            if let value = try loadLargeBytes(key, path: target) { return value }
            guard let whole = try fenced({ try FileSystem.readFile(target) }) else { throw FlecheError.notFound(key: key.hex) }
            bytes = whole
        }
        do {
            let object = try ObjectFile.parse(bytes)
            if object.codec == .chunked { return try loadChunked(object, key: key, path: target) }
            if object.codec == .zlib, object.payloadSize >= Self.largeBytesThreshold, object.children.isEmpty {
                return try inflateLarge(bytes, header: object, key: key, path: target)
            }
            return try object.withPayload { try ValueCodec.decode($0, resolve: resolve) }
        } catch let error as FlecheError {
            throw error
        } catch {
            throw FlecheError.corruptObject(key: key, path: target, reason: "\(error)")
        }
    }

    /// The digests of the objects that `key`'s payload refers to (its split-out children).
    public func childDigests(of key: Digest) throws -> [Digest] {
        guard let header = try header(key) else { throw FlecheError.notFound(key: key.hex) }
        return header.children
    }

    /// How many stored objects refer to each object: 0 for a top-level value.
    public func countReuses() throws -> [Digest: Int] {
        var counts: [Digest: Int] = [:]
        for key in try keys() {
            counts[key, default: 0] += 0
            for child in try header(key)?.children ?? [] { counts[child, default: 0] += 1 }
        }
        return counts
    }

    /// The header of the object for `key` (child digests, codec, sizes), read without the
    /// payload; `nil` if there is no such object.
    func header(_ key: Digest) throws -> ObjectFile? {
        let target = path(of: key)
        do {
            return try ObjectFile.readHeader { limit in try fenced { try FileSystem.readPrefix(target, limit: limit) } }
        } catch let error as FlecheError {
            throw error
        } catch {
            throw FlecheError.corruptObject(key: key, path: target, reason: "\(error)")
        }
    }
}

extension FileObjectStorage {
    /// The objects reachable from `roots` through child digests in object headers (payloads
    /// are not read), and those of them that are missing or whose header does not parse.
    package func reach(from roots: some Sequence<Digest>) throws -> (reached: Set<Digest>, unreadable: Set<Digest>) {
        var reached = Set<Digest>()
        var unreadable = Set<Digest>()
        var pending: [Digest] = []
        for root in roots where reached.insert(root).inserted { pending.append(root) }
        while let digest = pending.popLast() {
            let object: ObjectFile?
            do {
                object = try header(digest)
            } catch FlecheError.corruptObject {
                object = nil
            }
            guard let object else {
                unreadable.insert(digest)
                continue
            }
            for child in object.children where reached.insert(child).inserted { pending.append(child) }
        }
        return (reached, unreadable)
    }
}
