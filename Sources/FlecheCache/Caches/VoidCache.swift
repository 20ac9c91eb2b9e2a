import FlecheStore
import FlecheValue
/// A cache that keeps nothing: saves succeed and are forgotten, every load misses. Every
/// memoized call over it runs its body (the configuration name `void`).
public final class VoidCache: BaseCache {
    public let algorithm: DigestAlgorithm
    public let inlineLimit = 0

    /// A cache that stores nothing, keyed with `algorithm`.
    public init(algorithm: DigestAlgorithm = .sha256) { self.algorithm = algorithm }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest { record.key(using: algorithm) }
    public func load(_ key: Digest) throws -> LazyCall { throw FlecheError.notFound(key: key.hex) }
    public func loadValue(_ key: Digest) throws -> Value { throw FlecheError.notFound(key: key.hex) }
    public func loadObject(_ key: Digest) throws -> Value { throw FlecheError.notFound(key: key.hex) }
    @discardableResult public func evict(_ key: Digest) throws -> Bool { false }
    public func contains(_ key: Digest) throws -> Bool { false }
    public func keys(withPrefix prefix: String) throws -> [Digest] { [] }
    public func callKeys() throws -> [Digest] { [] }
    public func matchingCalls(_ template: CallTemplate) throws -> [LazyCall] { [] }
}
