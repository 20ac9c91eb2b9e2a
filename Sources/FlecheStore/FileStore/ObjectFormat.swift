import Foundation
import FlecheValue
/// The object file format as a public codec, for tools that write or check objects outside
/// a store (the digest fixtures, readers in other languages).
public enum ObjectFormat {
    /// One encoded object.
    public struct Encoded: Sendable {
        /// The object's name: the digest of the value it holds.
        public var digest: Digest
        /// The file's bytes.
        public var bytes: [UInt8]
        /// The digests of the children split out of it.
        public var children: [Digest]
    }

    /// Encodes the top object of `value` as a store with these settings would write it; the
    /// digests in `value` that are in `fileBodies` are written as file body references (the
    /// content of file artifacts the store holds as file bodies).
    public static func encode(
        _ value: Value, algorithm: DigestAlgorithm, compressionLevel: Int = 1, destructureDepth: Int? = nil,
        fileBodies: Set<Digest> = []
    ) -> Encoded {
        let top: Destructuring.Piece
        if let depth = destructureDepth {
            top = Destructuring(depth: depth, algorithm: algorithm, fileBodies: fileBodies).split(value).last!
        } else {
            let (payload, children) = ValueCodec.encodeObject(value, childReferences: nil, fileBodies: fileBodies)
            top = Destructuring.Piece(digest: value.digest(using: algorithm), payload: payload, children: children)
        }
        let bytes = ObjectFile.encode(
            payload: top.payload, children: top.children, digestLength: algorithm.digestByteCount,
            compressionLevel: compressionLevel > 0 ? Int32(compressionLevel) : nil)
        return Encoded(digest: top.digest, bytes: bytes, children: top.children)
    }

    /// Encodes `content` as the file body object a store writes for a file of these bytes
    /// (named by the digest of `Value.bytes(content)`).
    public static func encodeFileBody(_ content: [UInt8], algorithm: DigestAlgorithm) -> Encoded {
        let check = content.withUnsafeBytes(ObjectFile.checksum)
        let header = FileBody.header(size: content.count, check: check, digestLength: algorithm.digestByteCount)
        return Encoded(digest: Value.bytes(Data(content)).digest(using: algorithm), bytes: header + content, children: [])
    }

    /// Encodes `content` as the chunked object a store writes for a `bytes` value or file of
    /// at least ``chunkingThreshold`` bytes (docs/FORMAT.md, "Chunked bytes"): the chunk
    /// list, named by the digest of `Value.bytes(content)`, whose children are the chunks'
    /// objects (each the object of the `bytes` value of its piece); and each chunk's length.
    public static func encodeChunked(_ content: [UInt8], algorithm: DigestAlgorithm) -> (list: Encoded, lengths: [Int]) {
        content.withUnsafeBytes { bytes in
            let ranges = ContentDefinedChunker().chunks(of: bytes)
            let chunks = ranges.map { range in
                var digester = BytesDigester(algorithm)
                digester.update(UnsafeRawBufferPointer(rebasing: bytes[range]))
                return digester.finalize()
            }
            let list = ChunkList(chunks: chunks, lengths: ranges.map(\.count))
            var digester = BytesDigester(algorithm)
            digester.update(bytes)
            return (Encoded(digest: digester.finalize(), bytes: list.encode(digestLength: algorithm.digestByteCount), children: chunks), list.lengths)
        }
    }

    /// `bytes` values and files at least this long are stored in chunks.
    public static var chunkingThreshold: Int { ChunkList.threshold }

    /// The bytes the chunking fixtures cut: SplitMix64's outputs from `seed`, each as eight
    /// little-endian bytes, cut to `count`.
    public static func generatedBytes(seed: UInt64, count: Int) -> [UInt8] {
        SplitMix64.bytes(seed: seed, count: count)
    }

    /// A decoded object: its value with split-out children standing as `Value/digest(_:)`
    /// (which digest like the children themselves), and the header's facts.
    public struct Decoded: Sendable {
        /// The value, with split-out children standing as digests.
        public var value: Value
        /// The child digests the object's header lists.
        public var children: [Digest]
        /// Whether the payload was stored zlib-compressed.
        public var isCompressed: Bool
        /// Whether the object is a file body (a `bytes` value stored as the bytes alone).
        public var isFileBody: Bool
        /// For a chunked object, each chunk's length (its value is their concatenation, which
        /// decoding the object alone cannot give: `value` is then null); else empty.
        public var chunkLengths: [Int] = []
    }

    /// The child digests of object bytes, read from the header alone as gc reads them
    /// (the first 4 KiB, more only for a long child list), without the payload.
    ///
    /// - Throws: `CodecError` for bytes that do not start with a well-formed header.
    public static func children(_ bytes: [UInt8]) throws -> [Digest] {
        let header = try ObjectFile.readHeader { limit in Array(bytes.prefix(limit)) }
        return header?.children ?? []
    }

    /// Decodes object bytes without loading children.
    ///
    /// - Throws: `CodecError` for bytes that are not a well-formed object.
    public static func decode(_ bytes: [UInt8]) throws -> Decoded {
        let object = try ObjectFile.parse(bytes)
        if object.codec == .chunked {
            return Decoded(
                value: .null, children: object.children, isCompressed: false, isFileBody: false,
                chunkLengths: try ChunkList(object).lengths)
        }
        let value = try ValueCodec.decode(try object.payload()) { .digest($0) }
        return Decoded(
            value: value, children: object.children, isCompressed: object.codec == .zlib, isFileBody: object.codec == .fileBody)
    }
}
