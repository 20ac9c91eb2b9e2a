import Foundation

// MARK: - The digest rules
//
// Every value digests as HASH(salt ‖ 0x00 ‖ body), with one ASCII salt per kind. Containers
// put their children's raw digests in the body (a Merkle tree), so a child replaced by its
// digest (a `.digest` value, as destructuring does) leaves every key unchanged. The exact
// rules are pinned by Fixtures/digests and written out in docs/FORMAT.md.

extension Value {
    /// The content digest of this value under `algorithm`.
    public func digest(using algorithm: DigestAlgorithm) -> Digest {
        switch self {
        case .digest(let digest):
            return digest
        case .null:
            return Self.hash(algorithm, .null) { _ in }
        case .bool(let flag):
            return Self.hash(algorithm, .bool) { $0.update(byte: flag ? 1 : 0) }
        case .int(let number):
            return Self.hash(algorithm, .int) { $0.update(Self.minimalTwosComplement(number)) }
        case .float(let number):
            return Self.hash(algorithm, .float) { hasher in
                withUnsafeBytes(of: Self.canonicalBits(number).littleEndian) { hasher.update($0) }
            }
        case .date(let date):
            return Self.hash(algorithm, .date) { hasher in
                let bits = Self.canonicalBits(date.timeIntervalSinceReferenceDate)
                withUnsafeBytes(of: bits.littleEndian) { hasher.update($0) }
            }
        case .string(let text):
            return Self.hash(algorithm, .string) { hasher in
                var normalized = Self.canonicalText(text)
                normalized.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
            }
        case .bytes(let data):
            return Self.hash(algorithm, .bytes) { hasher in
                data.withUnsafeBytes { hasher.update($0) }
            }
        case .doubles(let numbers):
            return Self.hash(algorithm, .doubles) { hasher in
                let canonical = numbers.contains(where: Self.needsCanonicalBits)
                    ? numbers.map { Double(bitPattern: Self.canonicalBits($0)) } : numbers
                Self.hashLittleEndian(canonical, into: &hasher)
            }
        case .integers(let numbers):
            return Self.hash(algorithm, .integers) { Self.hashLittleEndian(numbers, into: &$0) }
        case .array, .set, .some, .dictionary, .record:
            return containerDigest(using: algorithm, childDigests: children.map { $0.digest(using: algorithm) })
        }
    }

    /// The digest of a container from its children's digests (in ``children`` order), so
    /// that a container whose children are stored apart (destructuring) digests without them.
    /// Scalars ignore `childDigests` and digest themselves.
    package func containerDigest(using algorithm: DigestAlgorithm, childDigests: [Digest]) -> Digest {
        switch self {
        case .array:
            return Self.arrayDigest(using: algorithm, of: childDigests)
        case .set:
            return Self.hash(algorithm, .set) { hasher in
                for digest in childDigests.sorted() { hasher.update(digest.bytes) }
            }
        case .some:
            return Self.hash(algorithm, .some) { $0.update(childDigests[0].bytes) }
        case .dictionary:
            return Self.hash(algorithm, .dictionary) { hasher in
                let pairs = stride(from: 0, to: childDigests.count, by: 2).map { (childDigests[$0], childDigests[$0 + 1]) }
                for (key, value) in pairs.sorted(by: { $0.0 < $1.0 }) {
                    hasher.update(key.bytes)
                    hasher.update(value.bytes)
                }
            }
        case .record(let type, let fields):
            let order = Self.fieldOrder(fields.map(\.name))
            return Self.recordDigest(
                using: algorithm, type: type, sortedFields: order.map { (fields[$0].name, childDigests[$0]) })
        default:
            return digest(using: algorithm)
        }
    }

    /// The digest of an array from its elements' digests.
    package static func arrayDigest(using algorithm: DigestAlgorithm, of elementDigests: [Digest]) -> Digest {
        hash(algorithm, .array) { hasher in
            for digest in elementDigests { hasher.update(digest.bytes) }
        }
    }

    /// The order in which a record's fields are hashed: by the UTF-8 bytes of their names.
    package static func fieldOrder(_ names: [String]) -> [Int] {
        names.indices.sorted { names[$0].utf8Precedes(names[$1]) }
    }

    /// The digest of a record from its fields' names and digests, already in
    /// ``fieldOrder(_:)`` (a call key's record has a fixed shape: its order is computed once).
    package static func recordDigest(
        using algorithm: DigestAlgorithm, type: String, sortedFields: [(name: String, digest: Digest)]
    ) -> Digest {
        hash(algorithm, .record) { hasher in
            updateLengthPrefixed(type, into: &hasher)
            for field in sortedFields {
                updateLengthPrefixed(field.name, into: &hasher)
                hasher.update(field.digest.bytes)
            }
        }
    }

    /// The salt that starts every digest of a kind.
    enum DigestSalt: String {
        case null, bool, int, float, date, string, bytes, array, set, some, record
        case dictionary = "dict"
        case doubles = "f64s"
        case integers = "i64s"
    }

    private static func hash(
        _ algorithm: DigestAlgorithm, _ salt: DigestSalt, body: (inout StreamingHasher) -> Void
    ) -> Digest {
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { scratch in
            var hasher = StreamingHasher(algorithm, scratch: scratch)
            var saltBytes = salt.rawValue
            saltBytes.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
            hasher.update(byte: 0)
            body(&hasher)
            return hasher.finalize()
        }
    }

    private static func updateLengthPrefixed(_ text: String, into hasher: inout StreamingHasher) {
        var text = text
        text.withUTF8 { utf8 in
            withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { hasher.update($0) }
            hasher.update(UnsafeRawBufferPointer(utf8))
        }
    }

    private static func hashLittleEndian<T: FixedWidthInteger>(_ numbers: [T], into hasher: inout StreamingHasher) {
        #if _endian(little)
        numbers.withUnsafeBytes { hasher.update($0) }
        #else
        numbers.map(\.littleEndian).withUnsafeBytes { hasher.update($0) }
        #endif
    }

    private static func hashLittleEndian(_ numbers: [Double], into hasher: inout StreamingHasher) {
        hashLittleEndian(numbers.map(\.bitPattern), into: &hasher)
    }

    /// The smallest little-endian two's-complement encoding of `number` (at least one byte),
    /// so an integer digests the same whatever its Swift width.
    static func minimalTwosComplement(_ number: Int128) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = number
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        } while !((rest == 0 && bytes.last! & 0x80 == 0) || (rest == -1 && bytes.last! & 0x80 != 0))
        return bytes
    }

    /// The bit pattern that digests a float: -0.0 as +0.0, every NaN as the quiet NaN
    /// 0x7ff8000000000000.
    static func canonicalBits(_ number: Double) -> UInt64 {
        if number.isNaN { return 0x7ff8_0000_0000_0000 }
        if number == 0 { return 0 }
        return number.bitPattern
    }

    private static func needsCanonicalBits(_ number: Double) -> Bool {
        canonicalBits(number) != number.bitPattern
    }

    /// Unicode NFC, so that strings Swift considers equal digest alike. ASCII is already NFC
    /// and skips the (Foundation) normalisation, which dominates the cost of short strings.
    static func canonicalText(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return text.precomposedStringWithCanonicalMapping
    }
}
