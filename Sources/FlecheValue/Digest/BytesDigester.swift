/// The digest of a ``Value/bytes(_:)`` value computed from its bytes in pieces, so that a
/// file of any size digests without being held in memory: the same digest as
/// `Value.bytes(content).digest(using:)`, pinned to it by the tests.
public struct BytesDigester {
    private var hasher: StreamingHasher

    /// A digester for `algorithm`, before any byte.
    public init(_ algorithm: DigestAlgorithm) {
        hasher = StreamingHasher(algorithm)
        var salt = Value.DigestSalt.bytes.rawValue
        salt.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        hasher.update(byte: 0)
    }

    /// Adds the next piece of the content.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bytes)
    }

    /// The digest of everything added.
    public mutating func finalize() -> Digest {
        hasher.finalize()
    }
}
