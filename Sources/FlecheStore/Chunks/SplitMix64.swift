/// SplitMix64 (Steele, Lea and Flood, 2014): the generator of the chunker's gear values and
/// of the chunking fixtures' bytes, simple enough to rewrite in any language.
package struct SplitMix64 {
    private var state: UInt64

    /// A generator from `seed`.
    package init(seed: UInt64) { state = seed }

    /// The next 64-bit output.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` bytes: the outputs from `seed`, each as eight little-endian bytes.
    package static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next()
            for _ in 0..<min(8, count - index) {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }
}
