import FlecheValue

/// The object of a large `bytes` value stored in chunks (codec 3, docs/FORMAT.md "Chunked
/// bytes"): its header lists the chunk objects in order as its children and gives the
/// value's length as its size; its payload is the chunks' lengths.
///
/// ```
/// "FLO" 0x01, codec 3, digest length, chunk count, chunk digests, size varint (the value's
/// length), XXH3-64 of the payload
/// payload: one varint per chunk, its length
/// ```
/// It is named, like any object, by the digest of the value it holds, `H("bytes", content)`:
/// the chunk list is storage, not identity. Each chunk is the ordinary object of the `bytes`
/// value of its piece (raw or zlib), so two values that share a piece share its object.
struct ChunkList {
    /// `bytes` values (and file results) at least this long are stored in chunks.
    static let threshold = 4 << 20

    /// The chunk objects, in order.
    var chunks: [Digest]
    /// Each chunk's length.
    var lengths: [Int]

    /// The value's length: the sum of the chunks' lengths.
    var size: Int { lengths.reduce(0, +) }

    /// The object file's bytes.
    func encode(digestLength: Int) -> [UInt8] {
        var payload = ByteWriter(capacity: lengths.count * 3)
        for length in lengths { payload.writeCount(length) }
        let check = payload.bytes.withUnsafeBytes(ObjectFile.checksum)
        return ObjectFile.header(codec: .chunked, children: chunks, payloadSize: size, check: check, digestLength: digestLength)
            + payload.bytes
    }

    /// The chunk list of a parsed codec 3 object.
    ///
    /// - Throws: `CodecError` when its payload does not match its checksum, holds other than
    ///   one positive length per chunk, or the lengths do not add up to its size.
    init(_ object: ObjectFile) throws {
        lengths = try Self.lengths(of: object)
        chunks = object.children
    }

    private static func lengths(of object: ObjectFile) throws -> [Int] {
        let start = object.body.startIndex
        return try object.body.withUnsafeBytes { raw in
            guard ObjectFile.checksum(raw) == object.checksum else {
                throw CodecError(offset: start, reason: "chunk list checksum mismatch")
            }
            var reader = ByteReader(raw)
            var lengths: [Int] = []
            lengths.reserveCapacity(object.children.count)
            var total = 0
            while !reader.isAtEnd {
                let length = try reader.readCount(unbounded: true)
                guard length > 0, length <= ContentDefinedChunker.maximumSize else {
                    throw CodecError(offset: start + reader.offset, reason: "chunk length \(length) out of range")
                }
                lengths.append(length)
                total += length
            }
            guard lengths.count == object.children.count, total == object.payloadSize else {
                throw CodecError(
                    offset: start,
                    reason: "\(lengths.count) chunk lengths adding up to \(total) for \(object.children.count) chunks of \(object.payloadSize) bytes")
            }
            return lengths
        }
    }

    /// A list of `chunks` with these `lengths`, in order.
    init(chunks: [Digest], lengths: [Int]) {
        self.chunks = chunks
        self.lengths = lengths
    }
}
