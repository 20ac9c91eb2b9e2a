import FlecheStore
import FlecheValue
/// A read-only view of a cache that shows only the calls matching a predicate.
///
/// `load`, `contains`, `expand`/`shrink` of call keys, queries and tables all honour the
/// filter (the reference's `contains` did not). Values are content-addressed and shared
/// between calls, so `loadValue` is not filtered. Writes throw `FlecheError/rejected(_:)`.
public final class FilteredCache: ReadOnlyWrapper {
    public let base: any BaseCache
    public var refusal: String { "a filtered cache is a read-only view" }
    private let predicate: @Sendable (LazyCall) throws -> Bool

    /// A view of the calls of `base` for which `predicate` is true.
    public init(_ base: any BaseCache, predicate: @escaping @Sendable (LazyCall) throws -> Bool) {
        self.base = base
        self.predicate = predicate
    }

    /// A view of the calls of `base` that match `template`.
    public convenience init(_ base: any BaseCache, template: CallTemplate) throws {
        let matcher = try template.matcher(using: base.algorithm)
        self.init(base) { matcher.matches($0.record) }
    }

    public func load(_ key: Digest) throws -> LazyCall {
        let call = try base.load(key)
        guard try predicate(call) else { throw FlecheError.notFound(key: key.hex) }
        return call
    }

    public func loadResult(_ key: Digest) throws -> Value { try load(key).resultValue() }

    public func contains(_ key: Digest) throws -> Bool {
        do {
            return try predicate(base.load(key))
        } catch let error as FlecheError where error.isMiss {
            return false
        }
    }

    /// Value keys as the base has them; call keys only when the call is visible.
    public func keys(withPrefix prefix: String) throws -> [Digest] {
        try base.keys(withPrefix: prefix).filter { key in
            guard try base.contains(key) else { return true }
            return try contains(key)
        }
    }

    public func callKeys() throws -> [Digest] { try base.callKeys().filter(contains) }

    public func matchingCalls(_ template: CallTemplate) throws -> [LazyCall] {
        try base.matchingCalls(template).filter(predicate)
    }

    /// The predicate needs whole calls: counted from ``matchingCalls(_:)``.
    public func countMatching(_ template: CallTemplate) throws -> Int {
        try matchingCalls(template).count
    }
}
