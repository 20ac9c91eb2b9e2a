import FlecheCache
import FlecheValue

/// The metadata collectors a `withMetadata` block put in effect: the reference library's
/// `meta(*collectors, stack=...)`.
///
/// Inside the block every new call records the block's collectors. A block that does not
/// stack replaces the configured default collectors (`[default] metadata` of
/// `fleche.toml`, else the runtime collector); a stacking one keeps what is in effect
/// around it and adds its own. A function declared with its own `metadata:` records those
/// in place of the configured default, plus the collectors of every enclosing block.
struct MetadataScope: Sendable {
    /// The collectors the enclosing blocks added, outermost first.
    var collectors: [any MetadataCollector]
    /// Whether an enclosing block replaced the configured default collectors.
    var replacesDefault: Bool

    /// The scope inside a new block of `collectors` within `outer`.
    static func entering(_ collectors: [any MetadataCollector], stacking: Bool, in outer: MetadataScope?) -> MetadataScope {
        guard stacking else { return MetadataScope(collectors: collectors, replacesDefault: true) }
        return MetadataScope(
            collectors: (outer?.collectors ?? []) + collectors, replacesDefault: outer?.replacesDefault ?? false)
    }

    /// What a call records: the function's own collectors (or, without them, the configured
    /// default unless a block replaced it), then this scope's.
    static func collectors(
        own: [any MetadataCollector]?, configured: () throws -> [any MetadataCollector], scope: MetadataScope?
    ) rethrows -> [any MetadataCollector] {
        let base: [any MetadataCollector]
        if let own {
            base = own
        } else if scope?.replacesDefault == true {
            base = []
        } else {
            base = try configured()
        }
        return base + (scope?.collectors ?? [])
    }
}

/// Runs `operation` with `collectors` recording metadata for every new memoized call in it.
///
/// ```swift
/// try withMetadata([TagsCollector(["project": "alpha"])], stacking: true) {
///     try train(model, data)   // its record has tags.project = "alpha", and runtime as before
/// }
/// ```
///
/// Without `stacking`, the block's collectors replace the configured default ones
/// (`[default] metadata`, else the runtime collector); with it, they are added to what is in
/// effect. Functions declared with their own `metadata:` record those plus the block's.
/// Two collectors of one name (two `TagsCollector`s) merge their fields, the inner one
/// winning a field both set. Like `withCache(_:operation:)`, the block is a task-local scope: work
/// handed to `DispatchQueue` or a `Thread` sees it only through ``CacheContext/capture()``.
public func withMetadata<R>(
    _ collectors: [any MetadataCollector], stacking: Bool = false, operation: () throws -> R
) rethrows -> R {
    try CacheContext.$metadataScope.withValue(
        .entering(collectors, stacking: stacking, in: CacheContext.metadataScope), operation: operation)
}

/// Runs `operation` with `collectors` recording metadata for every new memoized call in it;
/// see the synchronous `withMetadata(_:stacking:operation:)`.
public func withMetadata<R>(
    _ collectors: [any MetadataCollector], stacking: Bool = false, operation: () async throws -> R
) async rethrows -> R {
    try await CacheContext.$metadataScope.withValue(
        .entering(collectors, stacking: stacking, in: CacheContext.metadataScope), operation: operation)
}

/// Runs `operation` with `tags` added to the `tags` metadata of every new memoized call in
/// it (the reference's `tags(**kw)`; `withTags(["project": "alpha"])` is its `project("alpha")`).
public func withTags<R>(_ tags: [String: JSON], operation: () throws -> R) rethrows -> R {
    try withMetadata([TagsCollector(tags)], stacking: true, operation: operation)
}

/// Runs `operation` with `tags` added to the `tags` metadata of every new memoized call in it.
public func withTags<R>(_ tags: [String: JSON], operation: () async throws -> R) async rethrows -> R {
    try await withMetadata([TagsCollector(tags)], stacking: true, operation: operation)
}
