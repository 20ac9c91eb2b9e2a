import CDeflate
import FlecheValue
import FlecheSystem

/// zlib (RFC 1950) compression of object payloads: deflate with an Adler-32 trailer, so a
/// flipped bit in a stored payload is caught on inflate.
///
/// Written and read with libdeflate, which works on whole buffers (objects are whole
/// buffers): on this machine it compresses text about 3× faster than zlib at level 1, with a
/// better ratio, and inflates about 3× faster. Its output is ordinary zlib format, which zlib
/// reads, and it reads what zlib wrote (both pinned by tests and `Fixtures/objects`).
enum Zlib {
    /// Compresses `input` at `level` (1 to 12), or returns `nil` if the output would not be
    /// smaller.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        let level = min(max(level, 1), 12)
        return compressors.withLease(level: level) { compressor -> [UInt8]? in
            let bound = libdeflate_zlib_compress_bound(compressor, input.count)
            var size = 0
            let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
                size = libdeflate_zlib_compress(compressor, input.baseAddress, input.count, buffer.baseAddress, bound)
                initialized = size
            }
            guard size > 0, size < input.count else { return nil }
            return output
        }
    }

    /// How much of a payload's start ``looksCompressible(_:ratio:)`` compresses to decide:
    /// libdeflate's level 1 takes 38 µs on 16 KiB of random bytes but 365 µs on 64 KiB (the
    /// sample before), which was 4.7 ms of CPU for each 16 MiB value stored in chunks,
    /// against 9.4 ms for its hash.
    static let compressibilitySample = 16 * 1024

    /// Whether the start of `input` shrinks under compression by at least `ratio`. Deciding
    /// on a sample (``compressibilitySample``) keeps incompressible payloads (media, random
    /// data) from paying a full deflate before being stored raw.
    static func looksCompressible(_ input: UnsafeRawBufferPointer, ratio: Double = 0.9) -> Bool {
        let sampleSize = compressibilitySample
        guard input.count > sampleSize * 2 else { return true }
        let sample = UnsafeRawBufferPointer(rebasing: input[0..<sampleSize])
        guard let compressed = compress(sample, level: 1) else { return false }
        return Double(compressed.count) < Double(sampleSize) * ratio
    }

    /// Inflates a zlib stream whose uncompressed size is known; `nil` for a stream that is
    /// damaged, fails its checksum, or inflates to another size.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int) -> [UInt8]? {
        var ok = false
        // Uninitialised capacity: zero-filling 16 MiB first costs as much as inflating it.
        let output = [UInt8](unsafeUninitializedCapacity: expectedSize) { buffer, initialized in
            ok = decompress(input, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = ok ? expectedSize : 0
        }
        return ok ? output : nil
    }

    /// Inflates the zlib stream `input` into `output`, which it must fill exactly.
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        decompressors.withLease(level: 0) { decompressor -> Bool in
            var actual = 0
            let result = libdeflate_zlib_decompress(
                decompressor, input.baseAddress, input.count, output.baseAddress, output.count, &actual)
            return result == LIBDEFLATE_SUCCESS && actual == output.count
        } ?? false
    }

    /// The Adler-32 of the concatenation of `parts`: what a zlib stream of it ends with
    /// (big-endian), so a stored stream's last four bytes tell whether it holds this payload
    /// whole.
    static func adler32(_ parts: [UnsafeRawBufferPointer]) -> UInt32 {
        parts.reduce(1) { libdeflate_adler32($0, $1.baseAddress, $1.count) }
    }

    private static let compressors = Pool(make: { libdeflate_alloc_compressor($0) })
    private static let decompressors = Pool(make: { _ in libdeflate_alloc_decompressor() })

    /// libdeflate's compressors and decompressors each serve one thread at a time and cost a
    /// few hundred kilobytes to make, so each call leases one from a pool (per level) and
    /// gives it back; the pool holds at most as many as ran at once.
    private final class Pool: Sendable {
        private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }
        private let idle = Locked([Int32: [Handle]]())
        private let make: @Sendable (Int32) -> OpaquePointer?

        init(make: @escaping @Sendable (Int32) -> OpaquePointer?) { self.make = make }

        func withLease<R>(level: Int32, _ body: (OpaquePointer) -> R?) -> R? {
            let leased = idle.withLock { $0[level]?.popLast() }
            guard let handle = leased ?? make(level).map(Handle.init) else { return nil }
            defer { idle.withLock { $0[level, default: []].append(handle) } }
            return body(handle.pointer)
        }
    }
}
