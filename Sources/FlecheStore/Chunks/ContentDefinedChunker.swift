/// Where a large `bytes` value or file is cut into chunks: FastCDC (Xia et al., USENIX ATC
/// 2016) with normalized chunking, so that an edit moves the cuts near it only and the
/// chunks before and after it keep their names (docs/FORMAT.md, "Chunked bytes").
///
/// A chunk starts at the previous cut (or offset 0). Its first ``minimumSize`` bytes are
/// skipped; from there the gear fingerprint `fp = (fp << 1) &+ gear[byte]` (64 bits, from 0)
/// runs over each byte, and the chunk ends just after the first byte at which
/// `fp & mask == 0`, where `mask` is ``strictMask`` while the chunk is shorter than
/// ``normalSize`` and ``looseMask`` after it; at ``maximumSize`` it ends regardless, and the
/// last chunk ends with the content. The masks select the fingerprint's top bits, which
/// depend on the last 64 bytes.
package struct ContentDefinedChunker: Sendable {
    /// No chunk is shorter (except the last one).
    package static let minimumSize = 256 << 10
    /// Where the cut condition loosens: most chunks are near here.
    package static let normalSize = 1 << 20
    /// No chunk is longer.
    package static let maximumSize = 4 << 20
    /// 22 top bits: a cut before ``normalSize`` is four times rarer than one at 2²⁰ bytes.
    package static let strictMask: UInt64 = ~0 << 42
    /// 18 top bits: a cut after ``normalSize`` is four times likelier.
    package static let looseMask: UInt64 = ~0 << 46

    /// The 256 gear values: the first 256 outputs of SplitMix64 from state 0.
    package static let gear: [UInt64] = {
        var generator = SplitMix64(seed: 0)
        return (0..<256).map { _ in generator.next() }
    }()

    package init() {}

    /// The length of the chunk that starts at the beginning of `bytes`, when `bytes` holds
    /// either at least ``maximumSize`` bytes or everything that is left of the content
    /// (`atEnd`); `nil` when more bytes are needed to tell.
    package func chunkLength(_ bytes: UnsafeRawBufferPointer, atEnd: Bool) -> Int? {
        let available = bytes.count
        guard available >= Self.maximumSize || atEnd else { return nil }
        guard available > Self.minimumSize else { return available }
        let end = min(available, Self.maximumSize)
        let normal = min(end, Self.normalSize)
        return Self.gear.withUnsafeBufferPointer { gear in
            var fingerprint: UInt64 = 0
            var index = Self.minimumSize
            if let cut = Self.scan(bytes, gear: gear, fingerprint: &fingerprint, index: &index, until: normal, mask: Self.strictMask) {
                return cut
            }
            return Self.scan(bytes, gear: gear, fingerprint: &fingerprint, index: &index, until: end, mask: Self.looseMask) ?? end
        }
    }

    /// Runs the gear fingerprint over `bytes[index..<limit]`; returns the cut just after the
    /// first byte at which `fingerprint & mask == 0`, else `nil` with `fingerprint` and
    /// `index` at `limit`. Two bytes a step: the second fingerprint is `4·fp + (2·g₀ + g₁)`,
    /// so the chain from one step to the next is one shift-and-add however the first is
    /// checked, which halves the loop's latency (the cut is the same as one byte a step's).
    @inline(__always)
    private static func scan(
        _ bytes: UnsafeRawBufferPointer, gear: UnsafeBufferPointer<UInt64>,
        fingerprint: inout UInt64, index: inout Int, until limit: Int, mask: UInt64
    ) -> Int? {
        var fp = fingerprint
        var i = index
        defer {
            fingerprint = fp
            index = i
        }
        while i + 2 <= limit {
            let first = gear[Int(bytes[i])]
            let second = gear[Int(bytes[i + 1])]
            let next = (fp &<< 2) &+ ((first &<< 1) &+ second)
            if ((fp &<< 1) &+ first) & mask == 0 {
                fp = (fp &<< 1) &+ first
                i += 1
                return i
            }
            fp = next
            i += 2
            if fp & mask == 0 { return i }
        }
        while i < limit {
            fp = (fp &<< 1) &+ gear[Int(bytes[i])]
            i += 1
            if fp & mask == 0 { return i }
        }
        return nil
    }

    /// The chunks of all of `bytes`, as ranges in order.
    package func chunks(of bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        chunks(of: bytes, atEnd: true)
    }

    /// The chunks that can be cut from the start of `bytes`, as ranges in order: all of it
    /// when it holds the rest of the content (`atEnd`), else up to where fewer than
    /// ``maximumSize`` bytes are left, which wait for more.
    package func chunks(of bytes: UnsafeRawBufferPointer, atEnd: Bool) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < bytes.count, let length = chunkLength(UnsafeRawBufferPointer(rebasing: bytes[start...]), atEnd: atEnd) {
            ranges.append(start..<(start + length))
            start += length
        }
        return ranges
    }
}
