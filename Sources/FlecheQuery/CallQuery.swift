import FlecheCache
import FlecheStore
import FlecheValue
/// The calls of a query: lazy and re-iterable.
///
/// Nothing is read until a terminal operation (``calls()``, ``count()``, ``only()``, …)
/// runs, and every terminal operation reads the cache afresh, so a query kept around
/// reflects the cache as it is when it is read. Transformations (``take(_:)``,
/// ``filter(_:)``, ``sorted(by:descending:)``, …) return new queries.
public struct CallQuery: Sendable {
    /// The cache queried: ``evict()`` and ``transfer(to:pop:overwrite:progress:)`` act through it,
    /// so evicting through a stack removes every copy.
    public let cache: any BaseCache
    private let source: @Sendable () throws -> [LazyCall]
    /// Counts without loading the calls, for a query not yet transformed.
    private let counter: (@Sendable () throws -> Int)?

    init(cache: any BaseCache, source: @escaping @Sendable () throws -> [LazyCall], counter: (@Sendable () throws -> Int)? = nil) {
        self.cache = cache
        self.source = source
        self.counter = counter
    }

    private func then(_ transform: @escaping @Sendable ([LazyCall]) throws -> [LazyCall]) -> CallQuery {
        let source = self.source
        return CallQuery(cache: cache, source: { try transform(source()) })
    }

    // MARK: Reading

    /// The matching calls, read now.
    public func calls() throws -> [LazyCall] { try source() }

    /// How many calls match (a plain query on a file store reads only the manifest members
    /// its template tests).
    public func count() throws -> Int { try counter?() ?? source().count }

    /// The first matching call, or `nil`.
    public var first: LazyCall? { get throws { try source().first } }

    /// Whether no call matches.
    public var isEmpty: Bool { get throws { try source().isEmpty } }

    /// The one matching call: ``QueryError/noResults`` if none, ``QueryError/severalResults(_:)``
    /// if more than one.
    public func only() throws -> LazyCall {
        let calls = try source()
        guard let call = calls.first else { throw QueryError.noResults }
        guard calls.count == 1 else { throw QueryError.severalResults(calls.count) }
        return call
    }

    /// The call that finished last (runtime metadata `timestop`): ``QueryError/noResults``
    /// if none match, ``QueryError/noRuntimeMetadata`` if none has runtime metadata.
    public func latest() throws -> LazyCall { try byFinishTime(latest: true) }

    /// The call that finished first; see ``latest()``.
    public func oldest() throws -> LazyCall { try byFinishTime(latest: false) }

    private func byFinishTime(latest: Bool) throws -> LazyCall {
        let calls = try source()
        guard !calls.isEmpty else { throw QueryError.noResults }
        let timed = calls.compactMap { call in call.finishedAt.map { (call, $0) } }
        let pick = latest ? timed.max { $0.1 < $1.1 } : timed.min { $0.1 < $1.1 }
        guard let pick else { throw QueryError.noRuntimeMetadata }
        return pick.0
    }

    /// The results of the matching calls, decoded as `T`, in order.
    public func results<T: Decodable>(as type: T.Type = T.self) throws -> [T] {
        try source().map { try $0.result(as: type) }
    }

    /// The result values of the matching calls, in order.
    public func resultValues() throws -> [Value] {
        try source().map { try $0.resultValue() }
    }

    /// The calls grouped by `key`, groups in order of first appearance.
    public func grouped<K: Hashable>(by key: (LazyCall) throws -> K) throws -> [(key: K, calls: [LazyCall])] {
        var order: [K] = []
        var groups: [K: [LazyCall]] = [:]
        for call in try source() {
            let k = try key(call)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(call)
        }
        return order.map { ($0, groups[$0]!) }
    }

    /// The calls grouped by the value of argument `name`.
    public func grouped(byArgument name: String) throws -> [(key: Value, calls: [LazyCall])] {
        try grouped { try $0.argumentValue(name) }
    }

    // MARK: Transforming (lazy)

    /// At most the first `count` calls.
    public func take(_ count: Int) -> CallQuery { then { Array($0.prefix(max(0, count))) } }

    /// All but the first `count` calls.
    public func skip(_ count: Int) -> CallQuery { then { Array($0.dropFirst(max(0, count))) } }

    /// The calls for which `predicate` is true.
    public func filter(_ predicate: @escaping @Sendable (LazyCall) throws -> Bool) -> CallQuery {
        then { try $0.filter(predicate) }
    }

    /// The calls ordered by `key` (ties keep their order).
    public func sorted<K: Comparable & Sendable>(
        by key: @escaping @Sendable (LazyCall) throws -> K, descending: Bool = false
    ) -> CallQuery {
        then { calls in
            let keyed = try calls.enumerated().map { (try key($0.element), $0.offset, $0.element) }
            return keyed.sorted { a, b in
                if a.0 != b.0 { return descending ? a.0 > b.0 : a.0 < b.0 }
                return a.1 < b.1
            }.map(\.2)
        }
    }

    /// The calls ordered by argument `name`, decoded as `T`.
    public func sorted<T: Decodable & Comparable & Sendable>(
        byArgument name: String, as type: T.Type, descending: Bool = false
    ) -> CallQuery {
        sorted(by: { try $0.argument(name, as: type) }, descending: descending)
    }

    /// The first call of each distinct `key`.
    public func unique<K: Hashable & Sendable>(by key: @escaping @Sendable (LazyCall) throws -> K) -> CallQuery {
        then { calls in
            var seen = Set<K>()
            return try calls.filter { seen.insert(try key($0)).inserted }
        }
    }

    /// The first call of each distinct value of argument `name`.
    public func unique(byArgument name: String) -> CallQuery {
        unique { try $0.argumentValue(name) }
    }

    // MARK: Acting

    /// Evicts every matching call from the queried cache (from every layer of a stack);
    /// returns the keys evicted.
    @discardableResult
    public func evict() throws -> [Digest] {
        try source().compactMap { try cache.evict($0.key) ? $0.key : nil }
    }
}

/// Why a query could not give the one call asked for.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ``CallQuery/only()``, ``CallQuery/latest()`` or ``CallQuery/oldest()`` with no match.
    case noResults
    /// ``CallQuery/only()`` with several matches.
    case severalResults(Int)
    /// ``CallQuery/latest()`` or ``CallQuery/oldest()`` where no match has runtime metadata.
    case noRuntimeMetadata

    public var description: String {
        switch self {
        case .noResults: "the query matched no call"
        case .severalResults(let count): "the query matched \(count) calls where one was expected; narrow it down"
        case .noRuntimeMetadata: "no matching call has runtime metadata (timestop) to order by"
        }
    }
}

extension LazyCall {
    /// When the call finished (runtime metadata `timestop`, seconds since 1970), if recorded.
    public var finishedAt: Double? { record.metadata["runtime"]?["timestop"]?.doubleValue }
}
