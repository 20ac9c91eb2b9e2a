import FlecheValue
/// Key management shared by value and call storages: list, contains, evict, and the
/// short-prefix rules (``expand(_:)``, ``shrink(_:)``).
public protocol KeyedStorage: Sendable {
    /// The hash function of every key in this storage.
    var algorithm: DigestAlgorithm { get }
    /// Every stored key, in no particular order.
    func keys() throws -> [Digest]
    /// The stored keys whose hex starts with `prefix` (lowercase hex, any length).
    func keys(withPrefix prefix: String) throws -> [Digest]
    /// Whether `key` is stored.
    func contains(_ key: Digest) throws -> Bool
    /// Removes `key`; returns whether it was stored.
    @discardableResult func evict(_ key: Digest) throws -> Bool
}

extension KeyedStorage {
    public func keys(withPrefix prefix: String) throws -> [Digest] {
        try keys().filter { $0.hex.hasPrefix(prefix) }
    }

    /// Expands a key prefix to the one stored key it names (see ``KeyResolution``).
    public func expand(_ key: String) throws -> Digest {
        try KeyResolution.expand(key, algorithm: algorithm) { try keys(withPrefix: $0) }
    }

    /// The shortest unambiguous prefix of each stored key.
    public func shrink(_ keys: [Digest]) throws -> [String] {
        try KeyResolution.shrink(keys, algorithm: algorithm) { try self.keys(withPrefix: $0) }
    }
}

/// Stores values by their digest.
public protocol ValueStorage: KeyedStorage {
    /// Stores `value` under `key`, its digest. An existing entry counts as success.
    func save(_ value: Value, key: Digest) throws
    /// Stores `value` under its digest and returns it: the reference library's
    /// `values.save(value)`. A storage may name the value while it stores it (a file store
    /// hashes a large `bytes` value beside storing its chunks).
    func save(_ value: Value) throws -> Digest
    /// The value stored under `key`; `FlecheError/notFound(key:)` if there is none.
    func load(_ key: Digest) throws -> Value
}

extension ValueStorage {
    /// Computes the digest of `value`, then stores it under it.
    @discardableResult
    public func save(_ value: Value) throws -> Digest {
        let key = value.digest(using: algorithm)
        try save(value, key: key)
        return key
    }
}

/// Stores call records by their lookup key.
public protocol CallStorage: KeyedStorage {
    /// Stores `record` under `key`, atomically replacing any record already there.
    func save(_ record: CallRecord, key: Digest) throws
    /// The record stored under `key`; `FlecheError/notFound(key:)` if there is none.
    func load(_ key: Digest) throws -> CallRecord
    /// Every readable record; unreadable ones are skipped with a warning.
    func records() throws -> [(key: Digest, record: CallRecord)]
    /// The result reference of the record `key` (`nil` for a call without a result);
    /// `FlecheError/notFound(key:)` if there is no such record.
    func resultReference(_ key: Digest) throws -> ValueReference?
    /// How many readable records match `template`; a file storage decodes only the manifest
    /// members the template looks at.
    func count(matching template: CallTemplate) throws -> Int
}

extension CallStorage {
    public func resultReference(_ key: Digest) throws -> ValueReference? {
        try load(key).result
    }

    /// Counts by decoding every record; storages that can read less implement their own.
    /// - Throws: `FlecheError.invalidKey` for a digest prefix in the template that is not hex.
    public func count(matching template: CallTemplate) throws -> Int {
        let matcher = try template.matcher(using: algorithm)
        return try records().count { matcher.matches($0.record) }
    }

    public func records() throws -> [(key: Digest, record: CallRecord)] {
        var out: [(key: Digest, record: CallRecord)] = []
        for key in try keys() {
            do {
                out.append((key, try load(key)))
            } catch let error as FlecheError where error.isMiss {
                continue  // evicted meanwhile
            } catch {
                log.warning("skipping unreadable call record", metadata: ["key": "\(key.hex)", "error": "\(error)"])
            }
        }
        return out
    }
}

/// The short-prefix rules every storage and cache follows.
///
/// - A full-length hex key is taken as it is (it need not be stored).
/// - A prefix shorter than `Digest/minimumPrefixLength` is `FlecheError/prefixTooShort(_:)`.
/// - A prefix with no stored match is `FlecheError/notFound(key:)`; with several,
///   `FlecheError/ambiguousPrefix(prefix:candidates:needed:)` listing the two smallest
///   and the length that tells them apart.
/// - Hex is case-insensitive: keys are lowercased before matching.
public enum KeyResolution {
    /// Lowercases and validates a typed key.
    package static func normalize(_ key: String, algorithm: DigestAlgorithm) throws -> String {
        let lower = key.lowercased()
        guard Hex.isHex(lower), lower.utf8.count <= algorithm.hexLength else { throw FlecheError.invalidKey(key) }
        return lower
    }

    package static func expand(
        _ key: String, algorithm: DigestAlgorithm, candidates: (String) throws -> [Digest]
    ) throws -> Digest {
        let prefix = try normalize(key, algorithm: algorithm)
        if prefix.utf8.count == algorithm.hexLength, let full = Digest(hex: prefix) { return full }
        guard prefix.utf8.count >= Digest.minimumPrefixLength else { throw FlecheError.prefixTooShort(key) }
        return try choose(prefix, from: try candidates(prefix))
    }

    /// Picks the single match of `prefix` among `candidates`, or throws.
    package static func choose(_ prefix: String, from candidates: [Digest]) throws -> Digest {
        let unique = Array(Set(candidates)).sorted()
        switch unique.count {
        case 0: throw FlecheError.notFound(key: prefix)
        case 1: return unique[0]
        default:
            let needed = commonPrefixLength(unique[0].hex, unique[1].hex) + 1
            throw FlecheError.ambiguousPrefix(prefix: prefix, candidates: unique, needed: needed)
        }
    }

    package static func shrink(
        _ keys: [Digest], algorithm: DigestAlgorithm, candidates: (String) throws -> [Digest]
    ) throws -> [String] {
        // Each two-character shard's keys, listed once and sorted as digests (no hex strings:
        // a listing of a million calls shrinks each key with a few byte comparisons).
        var shards: [[Digest]?] = Array(repeating: nil, count: 256)
        return try keys.map { key in
            let shard = Int(key.bytes.first ?? 0)
            if shards[shard] == nil { shards[shard] = Array(Set(try candidates(key.hexPrefix(2)))).sorted() }
            return try shortestPrefix(of: key, among: shards[shard]!)
        }
    }

    /// The shortest prefix of `key`'s hex (at least the minimum length) that no other key
    /// in the sorted list `sorted` shares; keys outside its two-character shard never share
    /// more than one character, so the shard's keys are enough.
    package static func shortestPrefix(of key: Digest, among sorted: [Digest]) throws -> String {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < key { low = mid + 1 } else { high = mid }
        }
        guard low < sorted.count, sorted[low] == key else { throw FlecheError.notFound(key: key.hex) }
        var longest = 0
        if low > 0 { longest = max(longest, commonHexPrefixLength(sorted[low - 1], key)) }
        if low + 1 < sorted.count { longest = max(longest, commonHexPrefixLength(sorted[low + 1], key)) }
        let length = max(Digest.minimumPrefixLength, longest + 1)
        guard length <= key.hexLength else {
            throw FlecheError.ambiguousPrefix(prefix: key.hex, candidates: [], needed: length)
        }
        return key.hexPrefix(length)
    }

    /// How many hex characters `a` and `b` share at the start, from their bytes.
    package static func commonHexPrefixLength(_ a: Digest, _ b: Digest) -> Int {
        var length = 0
        for (x, y) in zip(a.bytes, b.bytes) {
            if x == y {
                length += 2
                continue
            }
            if x >> 4 == y >> 4 { length += 1 }
            break
        }
        return length
    }

    package static func commonPrefixLength(_ a: String, _ b: String) -> Int {
        zip(a.utf8, b.utf8).prefix { $0 == $1 }.count
    }
}
