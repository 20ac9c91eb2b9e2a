import FlecheValue

extension FuzzTarget {
    /// The value codec: a payload that decodes re-encodes to bytes that decode to the same
    /// value and encode to the same bytes again (decode → encode → decode is stable), and the
    /// value's digest is the digest of what it decodes back to.
    package static let valueCodec = FuzzTarget(name: "value") { bytes in
        guard let value = try? ValueCodec.decode(bytes, resolve: { .digest($0) }) else { return }
        let encoded = ValueCodec.encode(value)
        guard let again = try? ValueCodec.decode(encoded) else {
            return try require(false, "the encoding of a decoded value does not decode")
        }
        try require(again == value, "decode → encode → decode changes the value")
        try require(ValueCodec.encode(again) == encoded, "encoding is not stable")
        try require(again.digest(using: .sha256) == value.digest(using: .sha256), "equal values have different digests")
    }
}
