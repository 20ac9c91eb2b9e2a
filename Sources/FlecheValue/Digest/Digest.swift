#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The content address of a value or a call: the raw output of the store's hash function.
///
/// Full digests print as lowercase hex: 64 characters for SHA-256, 32 for XXH3-128.
/// Wherever a user types a key, a prefix of at least ``Digest/minimumPrefixLength``
/// characters is accepted (see `KeyedStorage/expand(_:)`).
public struct Digest: Sendable, Hashable, Comparable {
    /// The raw hash bytes (32 for SHA-256, 16 for XXH3-128).
    public let bytes: [UInt8]

    /// The shortest prefix accepted as a key.
    public static let minimumPrefixLength = 4

    /// Wraps raw hash bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a full lowercase or uppercase hex digest of 32 or 64 characters.
    ///
    /// Returns `nil` for anything else; use `KeyedStorage/expand(_:)` for prefixes.
    public init?(hex: some StringProtocol) {
        // Query and gc parse a digest from every file name and manifest reference: decoding
        // straight from the contiguous UTF-8 (no intermediate array) took this from 6% of a
        // query's time to under 1% (perf).
        let parsed = hex.utf8.withContiguousStorageIfAvailable { Self.parse(UnsafeRawBufferPointer($0)) }
            ?? Array(hex.utf8).withUnsafeBytes { Self.parse($0) }
        guard let parsed else { return nil }
        self.bytes = parsed
    }

    /// Parses 32 or 64 hex characters into bytes, or `nil`.
    package static func parse(_ utf8: UnsafeRawBufferPointer) -> [UInt8]? {
        guard utf8.count == 64 || utf8.count == 32 else { return nil }
        var valid = true
        // The table is fetched once: each access to the lazy global checks its `swift_once`.
        let out = Hex.values.withUnsafeBufferPointer { values in
            [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { buffer, count in
                for i in 0..<buffer.count {
                    let hi = values[Int(utf8[2 * i])]
                    let lo = values[Int(utf8[2 * i + 1])]
                    if hi | lo > 0x0f { valid = false }
                    buffer[i] = hi << 4 | (lo & 0x0f)
                }
                count = buffer.count
            }
        }
        return valid ? out : nil
    }

    /// The digest as lowercase hex.
    public var hex: String { Hex.encode(bytes) }

    /// The first `length` characters of ``hex`` (all of it when `length` is larger), made
    /// without the whole: `fleche ls` shortens a million keys.
    public func hexPrefix(_ length: Int) -> String {
        Hex.encode(bytes, characters: min(max(0, length), hexLength))
    }

    /// The number of hex characters of a full digest of this length.
    public var hexLength: Int { bytes.count * 2 }

    /// Byte order (the order of the hex): one `memcmp`, where the generic sequence
    /// comparison took a twentieth of `fleche ls` on a million calls, sorting (perf).
    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        lhs.bytes.withUnsafeBytes { left in
            rhs.bytes.withUnsafeBytes { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common)
                return order < 0 || (order == 0 && left.count < right.count)
            }
        }
    }
}

extension Digest: CustomStringConvertible {
    public var description: String { hex }
}

extension Digest: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = Digest(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a full hex digest")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// Lowercase hex encoding and decoding without Foundation.
package enum Hex {
    package static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        encode(bytes, characters: bytes.count * 2)
    }

    /// The first `characters` hex digits of `bytes` (at most two per byte).
    package static func encode(_ bytes: [UInt8], characters: Int) -> String {
        digits.withUnsafeBufferPointer { digits in
            String(unsafeUninitializedCapacity: characters) { buffer in
                for i in 0..<characters {
                    let byte = bytes[i / 2]
                    buffer[i] = digits[Int(i % 2 == 0 ? byte >> 4 : byte & 0x0f)]
                }
                return characters
            }
        }
    }

    /// Each byte's hex value, or 0xff for a byte that is not a hex digit.
    package static let values: [UInt8] = (0...255).map { nibble(UInt8($0)) ?? 0xff }

    package static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Whether `text` is non-empty and made of hex digits only.
    package static func isHex(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { nibble($0) != nil }
    }
}
