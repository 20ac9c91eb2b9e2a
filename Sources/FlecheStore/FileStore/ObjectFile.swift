import FlecheValue
import CXXHash

/// The bytes of one stored value object: a small header, then the payload.
///
/// ```
/// "FLO" 0x01                 magic and object format version
/// codec      u8              0 raw, 1 zlib (RFC 1950, Adler-32 checked), 2 file body, 3 chunked bytes
/// digest     u8              digest length in bytes (16 or 32)
/// children   varint count, then count × digest bytes: child objects (destructuring)
/// size       varint          payload size before compression
/// check      u64 LE          raw, file body, chunked: XXH3-64 of the payload or body (zlib has Adler-32)
/// payload                    ValueCodec bytes, raw or zlib
/// ```
/// The header comes first and is never compressed, so gc reads child digests without
/// inflating anything. A file body (codec 2, ``FileBody``) holds a `bytes` value as the
/// bytes alone, from offset 4,096 on: the header is zero-padded to there, so that a
/// file system can share the body's blocks with a materialized file. A chunked `bytes` value
/// (codec 3, ``ChunkList``) lists its chunk objects as children, its size is the value's
/// length, and its payload is the chunks' lengths.
struct ObjectFile {
    enum Codec: UInt8 {
        case raw = 0
        case zlib = 1
        /// The body is the content of a `bytes` value, from ``FileBody/offset`` to the end.
        case fileBody = 2
        /// The content of a `bytes` value is the concatenation of its children, chunk objects
        /// each holding a `bytes` value; the payload lists their lengths (``ChunkList``).
        case chunked = 3
    }

    static let magic: [UInt8] = [UInt8(ascii: "F"), UInt8(ascii: "L"), UInt8(ascii: "O"), 1]

    var codec: Codec
    var children: [Digest]
    var payloadSize: Int
    /// XXH3-64 of a raw payload (0 for zlib).
    var checksum: UInt64
    /// The stored payload (compressed when `codec` is zlib).
    var body: ArraySlice<UInt8>

    /// Builds the stored form of a payload, compressing it when that pays.
    static func encode(payload: [UInt8], children: [Digest], digestLength: Int, compressionLevel: Int32?) -> [UInt8] {
        let (header, body) = encodeParts(payload: payload, children: children, digestLength: digestLength, compressionLevel: compressionLevel)
        return header + body
    }

    /// The header and the stored body, kept apart so that a large payload is written as it
    /// is instead of being copied behind the header first; `sampled` when the caller found
    /// the payload compressible (``Zlib/looksCompressible(_:ratio:)``) already.
    static func encodeParts(
        payload: [UInt8], children: [Digest], digestLength: Int, compressionLevel: Int32?, sampled: Bool = false
    ) -> (header: [UInt8], body: [UInt8]) {
        var codec = Codec.raw
        var body: [UInt8]? = nil
        if let level = compressionLevel, payload.count > 32 {
            payload.withUnsafeBytes { raw in
                if sampled || Zlib.looksCompressible(raw), let compressed = Zlib.compress(raw, level: level) {
                    codec = .zlib
                    body = compressed
                }
            }
        }
        let check = codec == .raw ? payload.withUnsafeBytes(checksum) : nil
        let header = header(codec: codec, children: children, payloadSize: payload.count, check: check, digestLength: digestLength)
        return (header, body ?? payload)
    }

    /// The header of an object: `check` is the XXH3-64 of a raw payload or file body (`nil`
    /// for zlib, whose stream carries Adler-32).
    static func header(codec: Codec, children: [Digest], payloadSize: Int, check: UInt64?, digestLength: Int) -> [UInt8] {
        var header = ByteWriter(capacity: 32 + children.count * digestLength)
        header.bytes.append(contentsOf: magic)
        header.bytes.append(codec.rawValue)
        header.bytes.append(UInt8(digestLength))
        header.writeCount(children.count)
        for child in children { header.bytes.append(contentsOf: child.bytes) }
        header.writeCount(payloadSize)
        if let check { header.writeFixed(check) }
        return header.bytes
    }

    /// The integrity check of raw payloads: XXH3-64 (about 10 GB/s, so checking a 16 MiB
    /// load costs well under the read itself).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        #if arch(x86_64)
        XXH3_64bits_dispatch(bytes.baseAddress, bytes.count)
        #else
        XXH3_64bits(bytes.baseAddress, bytes.count)
        #endif
    }

    /// How many leading bytes of the file hold the whole header, from a prefix that holds at
    /// least the fixed part and the child count; `nil` if the prefix is too short to tell or
    /// the count is beyond any file.
    static func headerLength(prefix bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            guard (try? reader.readBytes(6)) != nil, raw.count >= 6 else { return nil }
            let digestLength = Int(raw[5])
            guard let count = try? reader.readCount(unbounded: true) else { return nil }
            let (children, overflow) = count.multipliedReportingOverflow(by: digestLength)
            guard !overflow, children <= Int(Int32.max) else { return nil }
            // The size varint (at most 19 bytes for a 128-bit count) and the raw checksum.
            return reader.offset + children + 19 + 8
        }
    }

    /// The header of an object file without its payload, from `readPrefix(limit)` (the
    /// file's first `limit` bytes, or fewer if it is shorter; `nil` if there is no file):
    /// one read of 4 KiB, a second one only for an object with over a hundred children.
    static func readHeader(_ readPrefix: (Int) throws -> [UInt8]?) throws -> ObjectFile? {
        let first = 4096
        guard var bytes = try readPrefix(first) else { return nil }
        if bytes.count == first, let length = headerLength(prefix: bytes), length > first {
            guard let longer = try readPrefix(length) else { return nil }
            bytes = longer
        }
        return try parse(bytes, headerOnly: true)
    }

    /// Parses the header; `bytes` may be only a prefix of the file when `headerOnly`.
    static func parse(_ bytes: [UInt8], headerOnly: Bool = false) throws -> ObjectFile {
        try bytes.withUnsafeBytes { (raw) throws -> ObjectFile in
            var reader = ByteReader(raw)
            for expected in magic {
                guard try reader.readByte() == expected else {
                    throw CodecError(offset: reader.offset - 1, reason: "not a Fleche object (bad magic)")
                }
            }
            guard let codec = Codec(rawValue: try reader.readByte()) else {
                throw CodecError(offset: reader.offset - 1, reason: "unknown codec")
            }
            let digestLength = Int(try reader.readByte())
            guard digestLength == 16 || digestLength == 32 else {
                throw CodecError(offset: reader.offset - 1, reason: "digest length \(digestLength)")
            }
            let childCount = try reader.readCount()
            var children: [Digest] = []
            children.reserveCapacity(childCount)
            for _ in 0..<childCount { children.append(Digest(bytes: Array(try reader.readBytes(digestLength)))) }
            let size = try reader.readCount(unbounded: true)
            let check = codec != .zlib ? try reader.readFixed64() : 0
            var start = reader.offset
            if codec == .fileBody {
                guard childCount == 0 else { throw CodecError(offset: start, reason: "a file body with children") }
                guard bytes.count >= FileBody.offset || headerOnly else {
                    throw CodecError(offset: bytes.count, reason: "file body object shorter than its header")
                }
                start = min(FileBody.offset, bytes.count)
            }
            if !headerOnly, codec == .raw || codec == .fileBody, bytes.count - start != size {
                throw CodecError(offset: start, reason: "payload is \(bytes.count - start) bytes, header says \(size)")
            }
            return ObjectFile(codec: codec, children: children, payloadSize: size, checksum: check, body: bytes[start...])
        }
    }

    /// Whether an existing object file, of which `head` (its first bytes, the whole header
    /// at least), `tail` (its last bytes, four at least) and `fileSize` were read, is a whole
    /// object of `payload` with `children`: the header says so, and the file ends where the
    /// payload does, with the payload's checksum (the Adler-32 trailer of a zlib stream; for
    /// a raw payload the header's XXH3-64, and the tail equal to the payload's last bytes). A
    /// file cut short, emptied or zeroed (whole, or its last block, as ext4's delayed
    /// allocation leaves it after a power loss without `fsync`) fails this; checking costs
    /// two small reads and a hash of the payload in memory, not a read of the file or a
    /// compression.
    /// The payload is given as the parts it is the concatenation of (a large value's tag and
    /// length, then its own bytes).
    static func isWhole(
        head: [UInt8], tail: [UInt8], fileSize: Int, payload parts: [UnsafeRawBufferPointer], children: [Digest]
    ) -> Bool {
        let payloadSize = parts.reduce(0) { $0 + $1.count }
        guard let object = try? parse(head, headerOnly: true), object.payloadSize == payloadSize,
            object.children == children
        else { return false }
        let headerLength = object.body.startIndex
        switch object.codec {
        case .fileBody, .chunked:
            return false
        case .raw:
            let check = PiecewiseChecksum()
            for part in parts { check.update(part) }
            // The payload's last bytes, gathered from the end of its parts.
            var suffix: [UInt8] = []
            for part in parts.reversed() where suffix.count < tail.count {
                suffix.insert(contentsOf: part.suffix(tail.count - suffix.count), at: 0)
            }
            return fileSize == headerLength + payloadSize && object.checksum == check.finalize()
                && tail.suffix(suffix.count).elementsEqual(suffix)
        case .zlib:
            guard fileSize >= headerLength + 6, tail.count >= 4 else { return false }
            let trailer = tail.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return trailer == Zlib.adler32(parts)
        }
    }

    /// The bytes of payload this object holds before compression, for the store's totals: a
    /// chunked value's content is its chunks', which count themselves.
    var ownPayloadSize: Int { codec == .chunked ? 0 : payloadSize }

    /// The longest header an object with `children` of `digestLength` bytes can have.
    static func maximumHeaderLength(children: Int, digestLength: Int) -> Int {
        magic.count + 2 + 10 + children * digestLength + 19 + 8
    }

    /// The payload, inflated if needed.
    func payload() throws -> [UInt8] {
        try withPayload { Array($0) }
    }

    /// Runs `body` on the checked payload: in place for a raw object (no copy of a large
    /// value), inflated for a zlib one.
    func withPayload<R>(_ use: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        switch codec {
        case .chunked:
            throw CodecError(offset: body.startIndex, reason: "a chunked value is read from its chunks, not from its payload")
        case .fileBody:
            // The payload of the `bytes` value the body is: its tag and length, then the body.
            var payload = ByteWriter(capacity: body.count + 11)
            payload.writeTag(.bytes)
            payload.writeCount(body.count)
            try body.withUnsafeBytes { raw in
                guard Self.checksum(raw) == checksum else {
                    throw CodecError(offset: body.startIndex, reason: "file body checksum mismatch")
                }
                payload.writeRaw(raw)
            }
            return try payload.bytes.withUnsafeBytes(use)
        case .raw:
            return try body.withUnsafeBytes { raw in
                guard Self.checksum(raw) == checksum else {
                    throw CodecError(offset: body.startIndex, reason: "payload checksum mismatch")
                }
                return try use(raw)
            }
        case .zlib:
            // Deflate expands at most 1,032-fold: a larger size in the header is damage, and
            // must not size an allocation.
            guard payloadSize / 1_032 <= body.count else {
                throw CodecError(offset: body.startIndex, reason: "header says \(payloadSize) bytes, more than \(body.count) compressed bytes can hold")
            }
            let inflated = body.withUnsafeBytes { Zlib.decompress($0, expectedSize: payloadSize) }
            guard let inflated else {
                throw CodecError(offset: body.startIndex, reason: "zlib stream is damaged (inflate or checksum failed)")
            }
            return try inflated.withUnsafeBytes(use)
        }
    }
}
