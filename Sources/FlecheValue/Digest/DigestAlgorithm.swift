import Crypto
import CXXHash

/// The hash function a store uses for every digest; chosen once, in the store's `FORMAT`.
public enum DigestAlgorithm: String, Sendable, Codable, CaseIterable {
    /// SHA-256: 32-byte digests, collision resistant; the default.
    case sha256
    /// XXH3-128: 16-byte digests, several times faster, not cryptographic.
    case xxh3 = "xxh3-128"

    /// The number of bytes in a digest.
    public var digestByteCount: Int {
        switch self {
        case .sha256: 32
        case .xxh3: 16
        }
    }

    /// The number of hex characters in a full digest.
    public var hexLength: Int { digestByteCount * 2 }

    /// Hashes one contiguous buffer.
    public func hash(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var hasher = StreamingHasher(self)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes a byte array.
    public func hash(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { hash($0) }
    }
}

/// An incremental hasher for either algorithm.
///
/// SHA-256 input is gathered in a scratch buffer the caller lends (on its stack) and hashed
/// in one call when it stays small (a call key hashes half a dozen nodes of a few dozen
/// bytes, each fed in three or four pieces; swift-crypto's per-update overhead was a tenth
/// of a hit, perf, and a heap buffer per node a malloc and a free each). Without a scratch
/// buffer, or past its size, input streams. XXH3's streaming state is a C allocation owned
/// by a class so that copies of the struct cannot free it twice.
struct StreamingHasher {
    private var sha: SHA256?
    private let scratch: UnsafeMutableRawBufferPointer
    private var pending = 0
    private let xxh: XXH3State?

    /// A hasher that streams from the first byte.
    init(_ algorithm: DigestAlgorithm) {
        self.init(algorithm, scratch: nil)
    }

    /// A hasher that gathers SHA-256 input in `scratch` while it fits; `scratch` must outlive it.
    init(_ algorithm: DigestAlgorithm, scratch: UnsafeMutableRawBufferPointer?) {
        self.scratch = scratch ?? UnsafeMutableRawBufferPointer(start: nil, count: 0)
        switch algorithm {
        case .sha256:
            sha = nil
            xxh = nil
        case .xxh3:
            sha = nil
            xxh = XXH3State()
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if let xxh {
            xxh.update(bytes)
        } else if sha == nil, pending + bytes.count <= scratch.count {
            if !bytes.isEmpty {
                (scratch.baseAddress! + pending).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                pending += bytes.count
            }
        } else {
            if sha == nil {
                sha = SHA256()
                if pending > 0 { sha!.update(bufferPointer: UnsafeRawBufferPointer(rebasing: scratch[0..<pending])) }
                pending = 0
            }
            sha!.update(bufferPointer: bytes)
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    mutating func finalize() -> Digest {
        if let xxh { return xxh.finalize() }
        // Through the raw bytes: the generic sequence copy was 3% of a hit (perf).
        if let sha { return Digest(bytes: sha.finalize().withUnsafeBytes { Array($0) }) }
        var once = SHA256()
        // Never a buffer without an address, even empty: swift-crypto reads through it.
        if pending > 0 { once.update(bufferPointer: UnsafeRawBufferPointer(rebasing: scratch[0..<pending])) }
        return Digest(bytes: once.finalize().withUnsafeBytes { Array($0) })
    }
}

/// Owns an `XXH3_state_t`.
final class XXH3State {
    private let state: OpaquePointer

    init() {
        state = XXH3_createState()
        XXH3_128bits_reset(state)
    }

    deinit { XXH3_freeState(state) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        #if arch(x86_64)
        XXH3_128bits_update_dispatch(state, bytes.baseAddress, bytes.count)
        #else
        XXH3_128bits_update(state, bytes.baseAddress, bytes.count)
        #endif
    }

    func finalize() -> Digest {
        let h = XXH3_128bits_digest(state)
        // Canonical form: big-endian high64 then low64, as XXH128_canonicalFromHash.
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            out[i] = UInt8(truncatingIfNeeded: h.high64 >> (56 - 8 * UInt64(i)))
            out[8 + i] = UInt8(truncatingIfNeeded: h.low64 >> (56 - 8 * UInt64(i)))
        }
        return Digest(bytes: out)
    }
}
