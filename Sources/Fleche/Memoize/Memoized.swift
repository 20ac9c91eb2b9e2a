import FlecheCache
import FlecheConfig
import FlecheQuery
import FlecheStore
import FlecheValue
/// A memoized synchronous function: call it like the function it wraps.
///
/// The first call with given arguments runs the body and stores the result; every later
/// call with equal arguments (in this process, a later one, or on another machine sharing
/// the store) returns the stored result without running the body.
public struct Memoized<each A: Encodable, R: Codable>: Sendable {
    let core: MemoizationCore
    let body: @Sendable (repeat each A) throws -> R

    /// The name, module, version and argument rules of the function.
    public var identity: FunctionIdentity { core.identity }

    /// Returns the stored result for these arguments, or runs the body and stores it.
    ///
    /// Equal calls that miss at the same moment run the body once (``SingleFlight``): in
    /// this process the first runs it and the others wait, then read its stored result;
    /// across processes sharing the store, the one holding the call's lock file runs it
    /// and the others block until it is done. If that run throws, or its process dies, a
    /// waiter runs the body itself.
    ///
    /// - Throws: what the body throws (nothing is stored then), and errors of a store that
    ///   cannot be read (a damaged entry is a miss that heals, not an error). A result that
    ///   cannot be stored is returned with a warning.
    public func callAsFunction(_ arguments: repeat each A) throws -> R {
        var report = CallReport()
        defer { report.send(core) }
        guard let prepared = try core.prepare(encode: { try encodeArguments($0, repeat each arguments) }) else {
            report.outcome = .uncached
            return try body(repeat each arguments)
        }
        report.prepared(prepared)
        if let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
        guard core.sharesRunsInProcess else { return report.miss(try compute(prepared, repeat each arguments)) }
        // Single flight: equal calls missing at the same moment in this process run the
        // body once; the others wait, then hit (``InFlightCalls``).
        while true {
            switch InFlightCalls.shared.join(prepared.key) {
            case .leader(let flight):
                defer { InFlightCalls.shared.finish(prepared.key, flight) }
                // A leader that finished between our lookup and our joining stored it.
                if let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
                // Across processes: wait while another process computes it, then look again.
                let lock = core.lockAcrossProcesses(prepared)
                defer { lock?.release() }
                if lock != nil, let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
                return report.miss(try compute(prepared, repeat each arguments))
            case .follower(let flight):
                flight.wait()
                if let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
            // The leader failed or could not store its result: try again, perhaps as leader.
            }
        }
    }

    /// Runs the body, timing it, and stores its result.
    private func compute(_ prepared: MemoizationCore.Prepared, _ arguments: repeat each A) throws -> R {
        let finish = try core.beginMetadata()
        let result = try core.lastRun.time { try body(repeat each arguments) }
        core.store(prepared, result: result, metadata: finish())
        return result
    }

    /// Why a call with these arguments misses: the stored calls of this function nearest to
    /// it and which key parts differ (argument, version, code digest, module), or that it is
    /// stored, or that no call of this function is. Reads every stored call of the function.
    /// - Throws: `FlecheError` when the arguments cannot be encoded or the cache cannot be read.
    public func explainMiss(_ arguments: repeat each A) throws -> MissExplanation {
        try core.explainMiss(encode: { try encodeArguments($0, repeat each arguments) })
    }

    /// The lookup key of a call with these arguments.
    public func digest(_ arguments: repeat each A) throws -> Digest {
        try core.key(encode: { try encodeArguments($0, repeat each arguments) }).0
    }

    /// Whether a call with these arguments is stored.
    public func contains(_ arguments: repeat each A) throws -> Bool {
        try core.contains(encode: { try encodeArguments($0, repeat each arguments) })
    }

    /// The stored result for these arguments; `FlecheError/notFound(key:)` if none.
    public func load(_ arguments: repeat each A) throws -> R {
        try core.load(encode: { try encodeArguments($0, repeat each arguments) }, as: R.self)
    }

    /// The body itself, uncached.
    public func uncached(_ arguments: repeat each A) throws -> R {
        try body(repeat each arguments)
    }

    /// Runs the body even if the call is stored and replaces the record; memoized functions
    /// the body calls through the cache in effect recompute too (`RefreshingCache`).
    public func rerun(_ arguments: repeat each A) throws -> R {
        let (refreshing, context) = try core.refreshing()
        let function = Memoized(core: refreshing, body: body)
        guard let context else { return try function(repeat each arguments) }
        return try withCache(context) { try function(repeat each arguments) }
    }

    /// This function with the cache and metadata collectors in effect here frozen into it,
    /// for work handed to `DispatchQueue` or a `Thread`, where `withCache` and
    /// `withMetadata` blocks do not reach (the reference library's `bind`).
    ///
    /// ```swift
    /// let step = try simulate.bound()        // inside withCache(teamCache) { ... }
    /// DispatchQueue.global().async { _ = try? step(42) }   // stored in teamCache
    /// ```
    /// - Throws: `FlecheError` when no cache is given and the default one cannot be opened.
    public func bound() throws -> Memoized {
        Memoized(core: try core.bound(), body: body)
    }
}

/// A memoized `async` function; see ``Memoized``.
public struct AsyncMemoized<each A: Encodable, R: Codable>: Sendable {
    let core: MemoizationCore
    let body: @Sendable (repeat each A) async throws -> R

    /// The name, module, version and argument rules that key this function's calls.
    public var identity: FunctionIdentity { core.identity }

    /// Returns the stored result of this call, or awaits the body, stores its result and returns it.
    /// Equal calls that miss at the same moment in this process await one run of the body
    /// (see ``Memoized/callAsFunction(_:)``).
    /// - Throws: what the body throws (nothing is stored then), or `FlecheError.invalidArguments` for arguments that cannot be encoded.
    public func callAsFunction(_ arguments: repeat each A) async throws -> R {
        var report = CallReport()
        defer { report.send(core) }
        guard let prepared = try core.prepare(encode: { try encodeArguments($0, repeat each arguments) }) else {
            report.outcome = .uncached
            return try await body(repeat each arguments)
        }
        report.prepared(prepared)
        if let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
        guard core.sharesRunsInProcess else { return report.miss(try await compute(prepared, repeat each arguments)) }
        // Single flight, as ``Memoized/callAsFunction(_:)``; waiters hold no thread.
        while true {
            switch InFlightCalls.shared.join(prepared.key) {
            case .leader(let flight):
                defer { InFlightCalls.shared.finish(prepared.key, flight) }
                if let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
                let lock = try await core.lockAcrossProcesses(prepared)
                defer { lock?.release() }
                if lock != nil, let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
                return report.miss(try await compute(prepared, repeat each arguments))
            case .follower(let flight):
                await flight.wait()
                if let hit = try core.lookup(prepared, as: R.self) { return report.hit(hit) }
            }
        }
    }

    /// Awaits the body, timing it, and stores its result.
    private func compute(_ prepared: MemoizationCore.Prepared, _ arguments: repeat each A) async throws -> R {
        let finish = try core.beginMetadata()
        let result = try await core.lastRun.time { try await body(repeat each arguments) }
        core.store(prepared, result: result, metadata: finish())
        return result
    }

    /// Why a call with these arguments misses; see ``Memoized/explainMiss(_:)``.
    public func explainMiss(_ arguments: repeat each A) throws -> MissExplanation {
        try core.explainMiss(encode: { try encodeArguments($0, repeat each arguments) })
    }

    /// The lookup key these arguments give, without running the body or reading the cache.
    /// - Throws: `FlecheError.invalidArguments` for arguments that cannot be encoded.
    public func digest(_ arguments: repeat each A) throws -> Digest {
        try core.key(encode: { try encodeArguments($0, repeat each arguments) }).0
    }

    /// Whether a result for these arguments is stored, without running the body.
    /// - Throws: `FlecheError` when the arguments cannot be encoded or the cache cannot be read.
    public func contains(_ arguments: repeat each A) throws -> Bool {
        try core.contains(encode: { try encodeArguments($0, repeat each arguments) })
    }

    /// The stored result for these arguments, without running the body.
    /// - Throws: `FlecheError.notFound` when no result is stored.
    public func load(_ arguments: repeat each A) throws -> R {
        try core.load(encode: { try encodeArguments($0, repeat each arguments) }, as: R.self)
    }

    /// Runs the body even if the call is stored; see ``Memoized/rerun(_:)``.
    public func rerun(_ arguments: repeat each A) async throws -> R {
        let (refreshing, context) = try core.refreshing()
        let function = AsyncMemoized(core: refreshing, body: body)
        guard let context else { return try await function(repeat each arguments) }
        return try await withCache(context) { try await function(repeat each arguments) }
    }

    /// This function with the cache and metadata collectors in effect here frozen into it;
    /// see ``Memoized/bound()``.
    public func bound() throws -> AsyncMemoized {
        AsyncMemoized(core: try core.bound(), body: body)
    }
}

// MARK: - Wrapping functions

/// Memoizes a synchronous function of any arity.
///
/// ```swift
/// let area = memoize("area", version: "1", arguments: ["width", "height"]) { (w: Double, h: Double) in
///     w * h
/// }
/// let a = try area(3, 4)   // runs the body once; later calls load the stored 12.0
/// ```
///
/// - Parameters:
///   - name: the function's name in keys and listings.
///   - module: defaults to the caller's module (from `#fileID`); `nil` leaves it out of keys.
///   - version: bump it when the function's meaning changes.
///   - codeDigest: a digest of the function's code, joined to every key (a change of code
///     then misses).
///   - arguments: names of the arguments, in order (default `arg0`, `arg1`, …).
///   - ignoring: arguments left out of the key.
///   - requiring: arguments that must be non-`nil` for the call to be cached.
///   - metadata: collectors recorded with each new call; by default `[default] metadata`
///     of `fleche.toml`, else the runtime collector.
///   - cache: the cache to use; by default the one in effect at call time (``CacheContext``).
///   - singleFlight: how equal calls that miss at once share one run of the body (in this
///     process always; across processes for a body slower than 10 ms, by default).
///   - body: the function; it must be pure (its result depends on its arguments only).
/// - Returns: the memoized function: call it as the body, or ask it for a call's key.
public func memoize<each A: Encodable, R: Codable>(
    _ name: String, module: String? = #fileID, version: String? = nil, codeDigest: Digest? = nil,
    arguments: [String] = [], ignoring: Set<String> = [], requiring: Set<String> = [],
    metadata: [any MetadataCollector]? = nil, cache: (any BaseCache)? = nil, singleFlight: SingleFlight = .default,
    _ body: @escaping @Sendable (repeat each A) throws -> R
) -> Memoized<repeat each A, R> {
    Memoized(
        core: MemoizationCore(
            name: name, module: module, version: version, codeDigest: codeDigest, arguments: arguments,
            ignoring: ignoring, requiring: requiring, metadata: metadata, cache: cache, singleFlight: singleFlight),
        body: body)
}

/// Memoizes an `async` function of any arity; see ``memoize(_:module:version:codeDigest:arguments:ignoring:requiring:metadata:cache:singleFlight:_:)-swift.func``.
public func memoize<each A: Encodable, R: Codable>(
    _ name: String, module: String? = #fileID, version: String? = nil, codeDigest: Digest? = nil,
    arguments: [String] = [], ignoring: Set<String> = [], requiring: Set<String> = [],
    metadata: [any MetadataCollector]? = nil, cache: (any BaseCache)? = nil, singleFlight: SingleFlight = .default,
    _ body: @escaping @Sendable (repeat each A) async throws -> R
) -> AsyncMemoized<repeat each A, R> {
    AsyncMemoized(
        core: MemoizationCore(
            name: name, module: module, version: version, codeDigest: codeDigest, arguments: arguments,
            ignoring: ignoring, requiring: requiring, metadata: metadata, cache: cache, singleFlight: singleFlight),
        body: body)
}
