import FlecheValue
import FlecheSystem

/// A thread-safe in-memory table, shared by the memory value and call storages.
final class MemoryTable<Item: Sendable>: Sendable {
    private let items = Locked<[Digest: Item]>([:])

    func keys() -> [Digest] { items.withLock { Array($0.keys) } }
    func get(_ key: Digest) -> Item? { items.withLock { $0[key] } }
    func put(_ item: Item, _ key: Digest, replace: Bool) {
        items.withLock { table in
            if replace || table[key] == nil { table[key] = item }
        }
    }
    func remove(_ key: Digest) -> Bool { items.withLock { $0.removeValue(forKey: key) != nil } }
    func contains(_ key: Digest) -> Bool { items.withLock { $0[key] != nil } }
}

/// Values in memory, for tests and transient caches. Values are immutable trees, so a
/// loaded value can never alias a stored one.
public final class MemoryValueStorage: ValueStorage {
    public let algorithm: DigestAlgorithm
    private let table = MemoryTable<Value>()

    /// An empty storage keyed with `algorithm`.
    public init(algorithm: DigestAlgorithm = .sha256) { self.algorithm = algorithm }

    public func keys() throws -> [Digest] { table.keys() }
    public func contains(_ key: Digest) throws -> Bool { table.contains(key) }
    @discardableResult public func evict(_ key: Digest) throws -> Bool { table.remove(key) }
    public func save(_ value: Value, key: Digest) throws { table.put(value, key, replace: false) }
    public func load(_ key: Digest) throws -> Value {
        guard let value = table.get(key) else { throw FlecheError.notFound(key: key.hex) }
        return value
    }
}

/// Call records in memory.
public final class MemoryCallStorage: CallStorage {
    public let algorithm: DigestAlgorithm
    private let table = MemoryTable<CallRecord>()

    /// An empty storage keyed with `algorithm`.
    public init(algorithm: DigestAlgorithm = .sha256) { self.algorithm = algorithm }

    public func keys() throws -> [Digest] { table.keys() }
    public func contains(_ key: Digest) throws -> Bool { table.contains(key) }
    @discardableResult public func evict(_ key: Digest) throws -> Bool { table.remove(key) }
    public func save(_ record: CallRecord, key: Digest) throws { table.put(record, key, replace: true) }
    public func load(_ key: Digest) throws -> CallRecord {
        guard let record = table.get(key) else { throw FlecheError.notFound(key: key.hex) }
        return record
    }
}
