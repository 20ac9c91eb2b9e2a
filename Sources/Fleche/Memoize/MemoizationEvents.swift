import FlecheSystem
import FlecheValue
import Foundation
import Synchronization

/// What one call of a memoized function did: observe them with
/// ``MemoizationEvents/observe(_:)`` or ``MemoizationEvents/stream(bufferingNewest:)``, or
/// read them in the debug log (label `fleche`).
public struct MemoizationEvent: Sendable, Hashable {
    /// How the call was answered.
    public enum Outcome: String, Sendable, Hashable {
        /// The stored result was returned (perhaps after waiting for another caller's run).
        case hit
        /// The body ran; its result was stored (or, if it could not be, returned anyway).
        case miss
        /// The body ran without the cache: an argument that cannot be encoded, a required
        /// argument that is `nil`, no usable cache (each also logged as a warning).
        case uncached
        /// The call threw: the body's error, or a store that cannot be read.
        case failed
    }

    /// The function's name.
    public var function: String
    /// The function's module, if part of its keys.
    public var module: String?
    /// The call's lookup key; `nil` when it ran uncached before a key was made.
    public var key: Digest?
    /// How the call was answered.
    public var outcome: Outcome
    /// How long the call took, from its start to its return (lookup; body and save on a miss).
    public var duration: Duration
}

/// The memoization events of this process: every memoized call reports one, after it
/// returns or throws, on the caller's thread.
///
/// With no observer and the log above debug level, reporting costs two clock reads and an
/// atomic load per call.
public enum MemoizationEvents {
    /// A registered observer; ``cancel()`` removes it.
    public final class Observation: Sendable {
        fileprivate let id: Int
        fileprivate init(id: Int) { self.id = id }

        /// Stops the observer; events already being delivered may still reach it.
        public func cancel() { MemoizationEvents.remove(id) }
    }

    private static let observers = Locked([Int: @Sendable (MemoizationEvent) -> Void]())
    private static let observerCount = Atomic<Int>(0)
    private static let nextID = Atomic<Int>(0)

    /// Calls `observer` with every event from now on, synchronously on the thread of the
    /// memoized call (keep it short), until the returned observation is cancelled.
    @discardableResult
    public static func observe(_ observer: @escaping @Sendable (MemoizationEvent) -> Void) -> Observation {
        let id = nextID.add(1, ordering: .relaxed).newValue
        observers.withLock {
            $0[id] = observer
            observerCount.store($0.count, ordering: .releasing)
        }
        return Observation(id: id)
    }

    /// The events from now on as an `AsyncSequence`; when the consumer falls behind, the
    /// oldest are dropped beyond `bufferingNewest`. The observer goes when the stream ends.
    public static func stream(bufferingNewest limit: Int = 1_024) -> AsyncStream<MemoizationEvent> {
        AsyncStream(bufferingPolicy: .bufferingNewest(limit)) { continuation in
            let observation = observe { continuation.yield($0) }
            continuation.onTermination = { _ in observation.cancel() }
        }
    }

    fileprivate static func remove(_ id: Int) {
        observers.withLock {
            $0[id] = nil
            observerCount.store($0.count, ordering: .releasing)
        }
    }

    /// Delivers one event to the debug log and every observer.
    static func report(_ event: @autoclosure () -> MemoizationEvent) {
        let logging = log.logLevel <= .debug
        guard logging || observerCount.load(ordering: .acquiring) > 0 else { return }
        let event = event()
        if logging {
            log.debug(
                "\(event.outcome.rawValue) \(event.function)",
                metadata: ["key": "\(event.key?.hex ?? "-")", "duration": "\(event.duration)"])
        }
        for observer in observers.withLock({ Array($0.values) }) { observer(event) }
    }
}

/// The event of one call in the making: the call sets its key and outcome, and ``send(_:)``
/// reports it when the call returns or throws (a call that throws is
/// ``MemoizationEvent/Outcome/failed``) to the observers and to the store's statistics
/// (`fleche stats`). A value on the caller's stack: no allocation.
struct CallReport {
    let start = ContinuousClock.now
    var key: Digest?
    var outcome = MemoizationEvent.Outcome.failed
    /// The store whose statistics count the call: the one it saves into.
    var store: FileStore?

    /// Records the call's key and the store that counts it.
    mutating func prepared(_ call: MemoizationCore.Prepared) {
        key = call.key
        store = call.cache.savingStore ?? call.cache.fileStore
    }

    /// Records a hit and passes its result on.
    mutating func hit<R>(_ result: R) -> R {
        outcome = .hit
        return result
    }

    /// Records a miss and passes its result on.
    mutating func miss<R>(_ result: R) -> R {
        outcome = .miss
        return result
    }

    /// Counts the call in the store's statistics and reports it to the observers.
    func send(_ core: MemoizationCore) {
        if let store {
            switch outcome {
            case .hit: store.usage.record(.hit, function: core.qualifiedName)
            case .miss: store.usage.record(.miss, function: core.qualifiedName)
            case .failed: store.usage.record(.error, function: core.qualifiedName)
            case .uncached: break
            }
        }
        let identity = core.identity
        MemoizationEvents.report(MemoizationEvent(
            function: identity.name, module: identity.module, key: key, outcome: outcome,
            duration: ContinuousClock.now - start))
    }
}
