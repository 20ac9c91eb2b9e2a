import FlecheCache
import FlecheConfig
import FlecheQuery
import FlecheStore
import FlecheValue
import Foundation

/// Which cache (and which metadata collectors) a memoized function uses when it was not
/// given one.
///
/// Inside `withCache(_:operation:)` it is that cache (per task and thread, like a
/// task-local). Otherwise the default, resolved once per process: the store at
/// `$FLECHE_STORE` when set, else the cache `[default] cache` names in `fleche.toml`
/// (`FlecheConfiguration`), else the store at `FileStore/defaultRoot(environment:)`.
public enum CacheContext {
    @TaskLocal static var override: (any BaseCache)?
    /// The collectors of the enclosing `withMetadata` blocks.
    @TaskLocal static var metadataScope: MetadataScope?

    /// The configuration of this process (`fleche.toml` files from the working directory up).
    public static func configuration() throws -> FlecheConfiguration { try discovered.get() }

    private static let discovered: Result<FlecheConfiguration, any Error> = Result { try FlecheConfiguration.discover() }

    private static let defaultCache: Result<any BaseCache, any Error> = Result {
        try CacheLocation.automatic.open(create: true)
    }

    private static let defaultCollectors: Result<[any MetadataCollector], any Error> = Result {
        try configuration().metadataCollectors()
    }

    /// The cache in effect here.
    public static func current() throws -> any BaseCache {
        if let override { return override }
        return try defaultCache.get()
    }

    /// The metadata collectors a memoized function declared without `metadata:` records
    /// here: `[default] metadata` in `fleche.toml` (else the runtime collector), replaced or
    /// extended by the enclosing `withMetadata(_:stacking:operation:)` blocks.
    public static func metadataCollectors() throws -> [any MetadataCollector] {
        try metadataCollectors(own: nil)
    }

    /// What a function declared with `own` collectors (`nil`: none) records here.
    static func metadataCollectors(own: [any MetadataCollector]?) throws -> [any MetadataCollector] {
        try MetadataScope.collectors(own: own, configured: { try defaultCollectors.get() }, scope: metadataScope)
    }

    /// The cache and metadata collectors in effect here, to be put in effect again where
    /// task-locals do not flow: work handed to `DispatchQueue`, a `Thread`, a C callback.
    ///
    /// ```swift
    /// try withCache(teamCache) {
    ///     let context = CacheContext.capture()
    ///     DispatchQueue.global().async {
    ///         context.run { _ = try? simulate(42) }   // uses teamCache, not the default
    ///     }
    /// }
    /// ```
    /// The reference library's `bind`; ``Memoized/bound()`` freezes one function the same way.
    public static func capture() -> CapturedCacheContext {
        CapturedCacheContext(cache: override, metadataScope: metadataScope)
    }
}

/// The cache and metadata collectors in effect where ``CacheContext/capture()`` was called.
public struct CapturedCacheContext: Sendable {
    let cache: (any BaseCache)?
    let metadataScope: MetadataScope?

    /// Runs `operation` with the captured cache and collectors in effect.
    public func run<R>(_ operation: () throws -> R) rethrows -> R {
        try CacheContext.$override.withValue(cache) {
            try CacheContext.$metadataScope.withValue(metadataScope, operation: operation)
        }
    }

    /// Runs `operation` with the captured cache and collectors in effect.
    public func run<R>(_ operation: () async throws -> R) async rethrows -> R {
        try await CacheContext.$override.withValue(cache) {
            try await CacheContext.$metadataScope.withValue(metadataScope, operation: operation)
        }
    }
}

/// Runs `operation` with `cache` as the cache of every memoized function that has none.
public func withCache<R>(_ cache: any BaseCache, operation: () throws -> R) rethrows -> R {
    try CacheContext.$override.withValue(cache, operation: operation)
}

/// Runs `operation` with `cache` as the cache of every memoized function that has none.
public func withCache<R>(_ cache: any BaseCache, operation: () async throws -> R) async rethrows -> R {
    try await CacheContext.$override.withValue(cache, operation: operation)
}

/// Runs `operation` with the cache `fleche.toml` calls `name` (see `FlecheConfiguration`).
public func withCache<R>(named name: String, operation: () throws -> R) throws -> R {
    try withCache(try CacheContext.configuration().cache(named: name), operation: operation)
}

/// Runs `operation` with a `CacheStack` of `cache` in front of the cache in effect.
public func withCache<R>(stacking cache: any BaseCache, operation: () throws -> R) throws -> R {
    try withCache(try CacheContext.current().push(cache), operation: operation)
}
