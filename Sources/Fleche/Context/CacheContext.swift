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

    /// The metadata collectors of memoized functions declared without `metadata:`:
    /// `[default] metadata` in `fleche.toml`, else the runtime collector.
    public static func metadataCollectors() throws -> [any MetadataCollector] {
        try defaultCollectors.get()
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
