import FlecheStore
import FlecheValue
import FlecheSystem

/// Chooses which call a ``SizeLimitedCache`` evicts when it is over its limit: the one
/// hook to override for another policy.
public protocol EvictionPolicy: Sendable {
    /// The key to evict among `candidates` (never empty). `lastUse` gives each candidate's
    /// last save or hit as a counter that grows with time (larger is more recent).
    func victim(among candidates: [Digest], lastUse: [Digest: UInt64]) -> Digest
}

/// Evicts a call chosen uniformly at random (the reference's policy, the default).
public struct RandomEviction: EvictionPolicy {
    /// A policy that evicts a call chosen at random.
    public init() {}
    public func victim(among candidates: [Digest], lastUse: [Digest: UInt64]) -> Digest {
        candidates.randomElement()!
    }
}

/// Evicts the least recently used call: saves and hits both count as use.
public struct LeastRecentlyUsedEviction: EvictionPolicy {
    /// A policy that evicts the call whose last save or hit is oldest.
    public init() {}
    public func victim(among candidates: [Digest], lastUse: [Digest: UInt64]) -> Digest {
        candidates.min { (lastUse[$0] ?? 0, $0) < (lastUse[$1] ?? 0, $1) }!
    }
}

/// A cache that keeps at most ``maxSize`` call records: after each save it evicts calls
/// (chosen by its ``EvictionPolicy``) until it is within the limit. Values stay until gc.
///
/// The calls already stored are counted when the cache is opened; a store already over
/// the limit is left alone until the next save. The call just saved is never the one
/// evicted. Recency is tracked in this process, from the moment the cache is opened.
public final class SizeLimitedCache: CacheWrapper {
    public let base: any BaseCache
    /// The most calls the cache keeps.
    public let maxSize: Int
    /// Which call goes when a save would exceed ``maxSize``.
    public let policy: any EvictionPolicy

    private struct State {
        var lastUse: [Digest: UInt64] = [:]
        var clock: UInt64 = 0

        mutating func touch(_ key: Digest) {
            clock += 1
            lastUse[key] = clock
        }
    }
    private let state: Locked<State>

    /// Wraps `base`, counting the calls it holds now.
    public init(_ base: any BaseCache, maxSize: Int, policy: any EvictionPolicy = RandomEviction()) throws {
        guard maxSize >= 1 else {
            throw FlecheError.invalidArguments("max_size must be at least 1, not \(maxSize)")
        }
        self.base = base
        self.maxSize = maxSize
        self.policy = policy
        var initial = State()
        for key in try base.callKeys() { initial.touch(key) }
        self.state = Locked(initial)
    }

    /// The number of calls this cache counts.
    public var count: Int { state.withLock { $0.lastUse.count } }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        let key = try base.save(record, values: values)
        let victims = state.withLock { state -> [Digest] in
            state.touch(key)
            var victims: [Digest] = []
            while state.lastUse.count > maxSize {
                let candidates = state.lastUse.keys.filter { $0 != key }
                let victim = policy.victim(among: candidates, lastUse: state.lastUse)
                state.lastUse[victim] = nil
                victims.append(victim)
            }
            return victims
        }
        for victim in victims { try base.evict(victim) }
        return key
    }

    public func load(_ key: Digest) throws -> LazyCall {
        let call = try base.load(key)
        noteUse(key)
        return call
    }

    public func loadResult(_ key: Digest) throws -> Value {
        let value = try base.loadResult(key)
        noteUse(key)
        return value
    }

    @discardableResult
    public func evict(_ key: Digest) throws -> Bool {
        state.withLock { _ = $0.lastUse.removeValue(forKey: key) }
        return try base.evict(key)
    }

    private func noteUse(_ key: Digest) {
        state.withLock { $0.touch(key) }
    }
}
