import CSHA256

/// The SHA-256 names of a large `bytes` value and of its chunks in one pass over the bytes:
/// each chunk is hashed for its own name and, interleaved on the same core, for the value's
/// (`fleche_sha256_blocks_pair`). Two streams cost about 0.6× two passes on a CPU with the
/// SHA extensions, whose rounds are bound by their latency (Benchmarks/RESULTS.md).
///
/// The names are those of ``BytesDigester``: `H("bytes" ‖ 0x00 ‖ content)` for the value and
/// for each chunk. Where the extensions are missing, or the algorithm is not SHA-256, there
/// is no such digester (`init` returns `nil`) and the caller hashes twice.
package struct ValueAndChunkDigester {
    /// Whether this CPU hashes with the SHA extensions (checked once).
    package static let isAvailable = fleche_sha256_accelerated() != 0

    private var value = SHA256Stream.salted()

    /// A digester for `algorithm`, or `nil` where it would not be one pass.
    package init?(_ algorithm: DigestAlgorithm) {
        guard algorithm == .sha256, Self.isAvailable else { return nil }
    }

    /// Adds the next chunk of the value and returns the chunk's own name.
    package mutating func nameChunk(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var chunk = SHA256Stream.salted()
        let rest = value.topUp(bytes)
        let chunkRest = chunk.topUp(bytes)
        // Both streams now start at a block boundary of what is left to them: the blocks
        // they both have go through together, the rest of each alone.
        let paired = min(rest.count, chunkRest.count) / 64
        if paired > 0 {
            value.state.withUnsafeMutableBufferPointer { first in
                chunk.state.withUnsafeMutableBufferPointer { second in
                    fleche_sha256_blocks_pair(
                        first.baseAddress!, rest.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        second.baseAddress!, chunkRest.baseAddress!.assumingMemoryBound(to: UInt8.self), paired)
                }
            }
        }
        value.absorb(UnsafeRawBufferPointer(rebasing: rest[(paired * 64)...]))
        chunk.absorb(UnsafeRawBufferPointer(rebasing: chunkRest[(paired * 64)...]))
        value.length += UInt64(bytes.count)
        chunk.length += UInt64(bytes.count)
        return chunk.finalize()
    }

    /// The value's name: the digest of every chunk added, in order.
    package mutating func finalize() -> Digest {
        value.finalize()
    }
}

/// One SHA-256 stream over `fleche_sha256_blocks`: its eight state words, the partial block
/// that waits for more bytes, and the length so far.
private struct SHA256Stream {
    var state: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
    var partial: [UInt8] = []
    var length: UInt64 = 0

    /// A stream that has hashed the `bytes` salt and its terminating zero.
    static func salted() -> SHA256Stream {
        var stream = SHA256Stream()
        stream.partial = Array(Value.DigestSalt.bytes.rawValue.utf8) + [0]
        stream.length = UInt64(stream.partial.count)
        return stream
    }

    /// Completes the partial block from the start of `bytes` (hashing it when it fills) and
    /// returns what is left of `bytes`; `bytes` whole when there is no partial block. The
    /// caller counts `bytes` in ``length``.
    mutating func topUp(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard !partial.isEmpty else { return bytes }
        let taken = min(64 - partial.count, bytes.count)
        partial += UnsafeRawBufferPointer(rebasing: bytes[0..<taken])
        if partial.count == 64 {
            compress(partial)
            partial.removeAll(keepingCapacity: true)
        }
        return UnsafeRawBufferPointer(rebasing: bytes[taken...])
    }

    /// Hashes the whole blocks of `bytes`, which start at a block boundary of the stream, and
    /// keeps the rest as the partial block.
    mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        let blocks = bytes.count / 64
        if blocks > 0 { compress(UnsafeRawBufferPointer(rebasing: bytes[0..<(blocks * 64)])) }
        partial += UnsafeRawBufferPointer(rebasing: bytes[(blocks * 64)...])
    }

    /// The digest: the partial block, then 0x80, zeros and the length in bits (big-endian)
    /// to the end of a block.
    mutating func finalize() -> Digest {
        var tail = partial
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        let bits = length &* 8
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        tail.withUnsafeBytes { compress($0) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in state {
            bytes += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return Digest(bytes: bytes)
    }

    private mutating func compress(_ blocks: [UInt8]) {
        blocks.withUnsafeBytes { compress($0) }
    }

    private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
        state.withUnsafeMutableBufferPointer { words in
            fleche_sha256_blocks(words.baseAddress!, blocks.baseAddress!.assumingMemoryBound(to: UInt8.self), blocks.count / 64)
        }
    }
}
