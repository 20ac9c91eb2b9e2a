import FlecheStore
import FlecheValue
/// A cache that wraps another and forwards everything it does not change.
///
/// ``ReadOnlyCache``, ``FilteredCache``, ``RefreshingCache`` and ``SizeLimitedCache`` are
/// wrappers: each implements only the operations whose behaviour it changes, and the
/// defaults below forward the rest to ``base``.
public protocol CacheWrapper: BaseCache {
    /// The wrapped cache.
    var base: any BaseCache { get }
}

// Forwarding defaults.
extension CacheWrapper {
    public var algorithm: DigestAlgorithm { base.algorithm }
    public var inlineLimit: Int { base.inlineLimit }
    /// The wrapped cache's file store.
    public var fileStore: FileStore? { base.fileStore }
    /// The wrapped cache's saving store: saves go through to it.
    public var savingStore: FileStore? { base.savingStore }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        try base.save(record, values: values)
    }

    public func load(_ key: Digest) throws -> LazyCall { try base.load(key) }
    public func loadResult(_ key: Digest) throws -> Value { try base.loadResult(key) }
    public func loadValue(_ key: Digest) throws -> Value { try base.loadValue(key) }
    public func loadObject(_ key: Digest) throws -> Value { try base.loadObject(key) }
    @discardableResult public func evict(_ key: Digest) throws -> Bool { try base.evict(key) }
    public func contains(_ key: Digest) throws -> Bool { try base.contains(key) }
    public func keys(withPrefix prefix: String) throws -> [Digest] { try base.keys(withPrefix: prefix) }
    public func callKeys() throws -> [Digest] { try base.callKeys() }
    public func matchingCalls(_ template: CallTemplate) throws -> [LazyCall] { try base.matchingCalls(template) }
    public func countMatching(_ template: CallTemplate) throws -> Int { try base.countMatching(template) }
}

/// A wrapper that refuses writes: `save` and `evict` throw `FlecheError/rejected(_:)`
/// (the reference's `ReadOnlyMixin`).
public protocol ReadOnlyWrapper: CacheWrapper {
    /// What the wrapper is, for the refusal's message ("this cache is read-only").
    var refusal: String { get }
}

extension ReadOnlyWrapper {
    /// None: this cache saves nothing.
    public var savingStore: FileStore? { nil }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        throw FlecheError.rejected("\(refusal); save to the cache it wraps")
    }

    @discardableResult
    public func evict(_ key: Digest) throws -> Bool {
        throw FlecheError.rejected("\(refusal); evict \(key.hex) from the cache it wraps")
    }
}

/// A cache that can only be read from: `save` and `evict` throw
/// `FlecheError/rejected(_:)`. A memoized function over it serves hits and runs misses
/// without storing anything (not even argument values).
public final class ReadOnlyCache: ReadOnlyWrapper {
    public let base: any BaseCache
    public var refusal: String { "this cache is read-only" }

    /// A read-only view of `base`.
    public init(_ base: any BaseCache) { self.base = base }
}

/// A cache that always misses on load (and says it contains nothing) but forwards saves:
/// every call under it recomputes and replaces its record. `Memoized/rerun(_:)` runs a
/// function under one so that the memoized functions it calls recompute too.
public final class RefreshingCache: CacheWrapper {
    public let base: any BaseCache

    /// A cache that always misses on loads from `base` and saves into it.
    public init(_ base: any BaseCache) { self.base = base }

    public func load(_ key: Digest) throws -> LazyCall { throw FlecheError.notFound(key: key.hex) }
    public func loadResult(_ key: Digest) throws -> Value { throw FlecheError.notFound(key: key.hex) }
    public func contains(_ key: Digest) throws -> Bool { false }
}
