/// Which cache a memoized function uses when it was not given one.
///
/// Inside ``withCache(_:operation:)`` it is that cache (per task and thread, like a
/// task-local); otherwise the default file store at ``FileStore/defaultRoot(environment:)``,
/// opened on first use.
public enum CacheContext {
    @TaskLocal static var override: (any BaseCache)?

    private static let defaultCache: Result<Cache, any Error> = Result {
        try Cache(root: FileStore.defaultRoot())
    }

    /// The cache in effect here.
    public static func current() throws -> any BaseCache {
        if let override { return override }
        return try defaultCache.get()
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
