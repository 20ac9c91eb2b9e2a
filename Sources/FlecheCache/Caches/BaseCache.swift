import FlecheStore
import FlecheValue
/// What every cache offers: save and load calls, load values, evict, resolve keys, query.
///
/// Keys given as `String` may be prefixes (see `KeyResolution`); the `Digest` forms take
/// full keys and skip the lookup. Caches compose: ``readonly()``, `filter(_:)`,
/// ``push(_:)`` (a ``CacheStack``), ``SizeLimitedCache``, ``CachePool``.
public protocol BaseCache: AnyObject, Sendable {
    /// The hash function of every key in this cache.
    var algorithm: DigestAlgorithm { get }
    /// Values up to this many encoded bytes are inlined in call records.
    var inlineLimit: Int { get }
    /// Stores a record and the values it refers to that are not inline (`values`, by
    /// digest), values first; returns the record's key. `FlecheError/rejected(_:)` from a
    /// cache that does not take writes.
    @discardableResult func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest
    /// The call stored under `key`; `FlecheError/notFound(key:)` if there is none.
    func load(_ key: Digest) throws -> LazyCall
    /// The result value of the call `key`; `FlecheError/notFound(key:)` if the call, its
    /// result or the result's object is missing. The hit path of memoized functions.
    func loadResult(_ key: Digest) throws -> Value
    /// The value stored under `key`, wherever it is (an object or inline in a record).
    func loadValue(_ key: Digest) throws -> Value
    /// The value object `key` only: what a record that does not inline a value refers to.
    func loadObject(_ key: Digest) throws -> Value
    /// Removes the call record `key` (its values stay until gc); returns whether it existed.
    @discardableResult func evict(_ key: Digest) throws -> Bool
    /// Whether a call is stored under `key`.
    func contains(_ key: Digest) throws -> Bool
    /// Stored call and value keys whose hex starts with `prefix`.
    func keys(withPrefix prefix: String) throws -> [Digest]
    /// Every stored call key, in no particular order.
    func callKeys() throws -> [Digest]
    /// The stored calls that match `template`, each with the member cache that holds it.
    /// `query(_:)` is the lazy, composable form users call.
    func matchingCalls(_ template: CallTemplate) throws -> [LazyCall]
    /// How many stored calls match `template`; by default the count of ``matchingCalls(_:)``,
    /// a file store counts without decoding what matching does not look at.
    func countMatching(_ template: CallTemplate) throws -> Int
    /// The one file store behind this cache, if there is exactly one (a ``Cache`` of a
    /// store, or a wrapper of one): what gc, verify and statistics work on. `nil` for memory
    /// caches, stacks and pools.
    var fileStore: FileStore? { get }
    /// The file store that new calls saved through this cache land in, if there is one: a
    /// ``Cache`` of a store, a wrapper that saves through to one, a stack's first layer.
    /// `nil` for memory caches and caches that refuse saves. Memoized functions hold their
    /// lock files across processes there (`SingleFlight` in the `Fleche` module).
    var savingStore: FileStore? { get }
}

// MARK: - Saving with a known key

extension BaseCache {
    /// ``save(_:values:)`` with the record's key already computed (a memoized call's): a
    /// file cache, or a stack over one, skips hashing the record again; other caches save
    /// as usual. `result`, when given, is the record's result not referenced yet (inline when
    /// small enough for `inlineLimit`): a file cache names it while it stores it.
    @discardableResult
    package func save(
        _ record: CallRecord, values: [Digest: Value], knownKey: Digest, result: Value? = nil, inlineLimit: Int = 0
    ) throws -> Digest {
        switch self {
        case let cache as Cache:
            return try cache.save(record, values: values, knownKey: knownKey, result: result, inlineLimit: inlineLimit)
        case let stack as CacheStack:
            return try stack.save(record, values: values, knownKey: knownKey, result: result, inlineLimit: inlineLimit)
        default:
            var (record, values) = (record, values)
            if let result {
                let reference = ValueReference(result, using: algorithm, inlineLimit: inlineLimit)
                record.result = reference
                if reference.inline == nil { values[reference.digest] = result }
            }
            return try save(record, values: values)
        }
    }
}

// MARK: - Keys as typed by users

extension BaseCache {
    /// No file store by default: memory caches, stacks and pools have none.
    public var fileStore: FileStore? { nil }

    /// By default the cache's own file store.
    public var savingStore: FileStore? { fileStore }

    public func countMatching(_ template: CallTemplate) throws -> Int {
        try matchingCalls(template).count
    }

    public func loadResult(_ key: Digest) throws -> Value {
        try load(key).resultValue()
    }

    /// Stores a call (its argument and result values, then its record); returns its key.
    @discardableResult
    public func save(_ call: Call) throws -> Digest {
        let record = call.record(using: algorithm, inlineLimit: inlineLimit)
        var values: [Digest: Value] = [:]
        for (argument, reference) in zip(call.arguments, record.arguments) where reference.value.inline == nil {
            values[reference.value.digest] = argument.value
        }
        if let result = call.result, let reference = record.result, reference.inline == nil {
            values[reference.digest] = result
        }
        return try save(record, values: values)
    }

    /// Expands a key prefix over calls and values.
    public func expand(_ key: String) throws -> Digest {
        try KeyResolution.expand(key, algorithm: algorithm) { try keys(withPrefix: $0) }
    }

    /// The shortest unambiguous prefix of each stored key (call or value), in order; the
    /// keys are listed once for the whole batch.
    public func shrink(_ keys: [Digest]) throws -> [String] {
        try KeyResolution.shrink(keys, algorithm: algorithm) { try self.keys(withPrefix: $0) }
    }

    /// The shortest unambiguous prefix of a stored key.
    public func shrink(_ key: Digest) throws -> String { try shrink([key])[0] }

    public func load(_ key: String) throws -> LazyCall { try load(expand(key)) }

    public func loadValue(_ key: String) throws -> Value { try loadValue(expand(key)) }

    /// Evicts by key or prefix. An unknown full key does nothing; an unknown prefix is
    /// ``FlecheError/notFound(key:)``.
    @discardableResult
    public func evict(_ key: String) throws -> Bool { try evict(expand(key)) }

    /// Whether a call is stored under a key or prefix: false for an unknown or too short
    /// prefix; an ambiguous prefix throws.
    public func contains(_ key: String) throws -> Bool {
        do {
            return try contains(expand(key))
        } catch let error as FlecheError where error.isMiss {
            return false
        }
    }
}

// MARK: - Composition

extension BaseCache {
    /// A read-only view of this cache.
    public func readonly() -> ReadOnlyCache { ReadOnlyCache(self) }

    /// A read-only view that shows only the calls for which `predicate` is true.
    public func filter(_ predicate: @escaping @Sendable (LazyCall) throws -> Bool) -> FilteredCache {
        FilteredCache(self, predicate: predicate)
    }

    /// A read-only view that shows only the calls matching `template`.
    public func filter(_ template: CallTemplate) throws -> FilteredCache {
        try FilteredCache(self, template: template)
    }

    /// A stack with `cache` in front of this one: new calls go to `cache`, hits in this
    /// cache are copied into it.
    public func push(_ cache: any BaseCache) throws -> CacheStack {
        if let stack = self as? CacheStack { return try CacheStack([cache] + stack.layers) }
        return try CacheStack([cache, self])
    }
}
