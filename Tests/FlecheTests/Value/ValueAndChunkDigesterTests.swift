import Foundation
import Testing
import FlecheStore
@testable import FlecheValue

/// The one-pass digester of a large value and its chunks (SHA-NI, two streams interleaved)
/// must name both exactly as `BytesDigester` does, whatever the chunks' lengths and the
/// block boundaries of the two streams.
@Suite("Naming a value and its chunks in one pass")
struct ValueAndChunkDigesterTests {
    static func bytesDigest(_ bytes: some Collection<UInt8>) -> Digest {
        var digester = BytesDigester(.sha256)
        Array(bytes).withUnsafeBytes { digester.update($0) }
        return digester.finalize()
    }

    @Test("each chunk's name and the value's are BytesDigester's, for lengths around every block and padding edge")
    func namesMatchTheStreamingDigester() throws {
        #expect(ValueAndChunkDigester(.xxh3) == nil)
        guard ValueAndChunkDigester.isAvailable else {
            // Without the SHA extensions the store hashes twice: no digester is made.
            #expect(ValueAndChunkDigester(.sha256) == nil)
            return
        }
        var generator = SplitMix64(seed: 42)
        let content = (0..<3_000_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        // Chunk lengths that move both streams across block boundaries (the salt is six
        // bytes, so a chunk's own stream and the value's fall out of step), empty ones, and
        // ones long enough for many paired blocks.
        let edges = [0, 1, 2, 7, 49, 50, 51, 57, 58, 59, 63, 64, 65, 119, 120, 121, 127, 128, 129, 1_000, 65_536, 1_048_583]
        var lengths = edges + edges.reversed()
        for _ in 0..<40 { lengths.append(Int(generator.next() % 40_000)) }
        var digester = try #require(ValueAndChunkDigester(.sha256))
        var start = 0
        for length in lengths where start + length <= content.count {
            let piece = content[start..<(start + length)]
            let name = Array(piece).withUnsafeBytes { digester.nameChunk($0) }
            #expect(name == Self.bytesDigest(piece), "chunk of \(length) at \(start)")
            start += length
        }
        #expect(start > 2_000_000)
        #expect(digester.finalize() == Self.bytesDigest(content[0..<start]))
        // A value of no chunks is the empty value.
        var empty = try #require(ValueAndChunkDigester(.sha256))
        #expect(empty.finalize() == Value.bytes(Data()).digest(using: .sha256))
    }
}
