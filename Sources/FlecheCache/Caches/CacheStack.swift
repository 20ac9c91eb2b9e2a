import FlecheStore
import FlecheValue
/// Caches in layers: a fast local store in front of a shared one, say.
///
/// - `save` goes to the first layer only.
/// - `load` tries the layers in order; a hit in a later layer is **back-filled** into the
///   first (the call, its values and its metadata, under the same key), once per key even
///   when many threads load it at once. A back-fill the first layer refuses (read-only) is
///   logged and the hit is still returned.
/// - `loadValue` returns the first hit; `contains` is true if any layer has the call.
/// - `evict` removes the call from every layer (read-only layers are skipped).
/// - `query` is the union of the layers without duplicates; `expand`/`shrink` see every
///   layer's call and value keys.
///
/// Stacks do not nest: ``BaseCache/push(_:)`` on a stack returns a longer stack.
public final class CacheStack: LayeredCache {
    public let layers: [any BaseCache]
    private let locks = KeyedLocks()

    /// A stack of `layers`, front first. Nested stacks and mixed digest algorithms are
    /// `FlecheError/invalidArguments(_:)`.
    public init(_ layers: [any BaseCache]) throws {
        try Self.validate(layers, kind: "cache stack")
        if layers.contains(where: { $0 is CacheStack }) {
            throw FlecheError.invalidArguments("cache stacks do not nest; list the inner stack's layers instead")
        }
        self.layers = layers
    }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        try layers[0].save(record, values: values)
    }

    /// Saves to the first layer with a key the caller computed (see `Cache`'s).
    @discardableResult
    package func save(
        _ record: CallRecord, values: [Digest: Value], knownKey: Digest, result: Value? = nil, inlineLimit: Int = 0
    ) throws -> Digest {
        try layers[0].save(record, values: values, knownKey: knownKey, result: result, inlineLimit: inlineLimit)
    }

    /// The first layer's: new calls land there.
    public var savingStore: FileStore? { layers[0].savingStore }

    public func load(_ key: Digest) throws -> LazyCall {
        let (call, layer) = try firstHit { try $0.load(key) }
        if layer > 0 { backfill(call) }
        return call
    }

    public func loadResult(_ key: Digest) throws -> Value {
        let ((value, call), layer) = try firstHit { cache -> (Value, LazyCall?) in
            // The front layer's fast path; later layers load the call to back-fill it.
            if cache === layers[0] { return (try cache.loadResult(key), nil) }
            let call = try cache.load(key)
            return (try call.resultValue(), call)
        }
        if layer > 0, let call { backfill(call) }
        return value
    }

    /// Evicts the call from every layer; true if any layer had it.
    @discardableResult
    public func evict(_ key: Digest) throws -> Bool {
        var evicted = false
        try forEachLayer { if try $0.evict(key) { evicted = true } }
        return evicted
    }

    /// Copies a call found in a later layer into the first, unless it is already there.
    /// Serialised per key, so concurrent loads of one key copy it once.
    private func backfill(_ call: LazyCall) {
        locks.withLock(call.key) {
            do {
                guard try !layers[0].contains(call.key) else { return }
                try layers[0].save(call.fetch())
            } catch FlecheError.rejected(let reason) {
                log.info("hit in a later layer not copied to the first", metadata: ["key": "\(call.key.hex)", "reason": "\(reason)"])
            } catch {
                log.warning("hit in a later layer not copied to the first", metadata: ["key": "\(call.key.hex)", "error": "\(error)"])
            }
        }
    }
}

/// A read-only union of caches: loads from whichever member has the call, never copies
/// between members, and refuses writes with `FlecheError/rejected(_:)`.
public final class CachePool: LayeredCache {
    public let layers: [any BaseCache]

    /// A read-only union of `caches`, searched in order.
    /// - Parameter caches: the caches to read; they must share one digest algorithm.
    /// - Throws: `FlecheError.invalidArguments` when `caches` is empty or mixes digest algorithms.
    public init(_ caches: [any BaseCache]) throws {
        try Self.validate(caches, kind: "cache pool")
        self.layers = caches
    }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        throw FlecheError.rejected("a cache pool is read-only; save to one of its caches")
    }

    public func load(_ key: Digest) throws -> LazyCall { try firstHit { try $0.load(key) }.0 }

    public func loadResult(_ key: Digest) throws -> Value { try firstHit { try $0.loadResult(key) }.0 }

    @discardableResult
    public func evict(_ key: Digest) throws -> Bool {
        throw FlecheError.rejected("a cache pool is read-only; evict \(key.hex) from one of its caches")
    }
}
