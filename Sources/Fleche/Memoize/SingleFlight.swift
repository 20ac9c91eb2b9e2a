import FlecheCache
import FlecheStore
import FlecheSystem
import Foundation

/// How equal calls that miss at the same moment share one run of the body.
///
/// Within a process, waiting costs nothing: the first caller runs the body and the others
/// wait for its stored result. Across processes sharing a file store,
/// the caller that computes holds a lock file, `<store>/locks/<key>` (`flock`, so a holder
/// killed with `kill -9` releases it), and the others block on it, then read the result. A
/// waiter whose holder died or failed computes the call itself. Taking the lock costs a
/// file creation, so by default only functions whose body is slow take it.
public enum SingleFlight: Sendable, Hashable {
    /// Every caller runs the body.
    case off
    /// Threads and tasks of this process share one run; other processes run their own.
    case inProcess
    /// Processes sharing the store share one run too, whatever the body costs.
    case acrossProcesses
    /// ``inProcess`` always, and ``acrossProcesses`` for a function whose last run in this
    /// process took at least `threshold`, and for its first miss (whose cost is not known
    /// yet): waiting for another process pays off only for a slow body.
    case automatic(threshold: Duration)

    /// ``automatic(threshold:)`` at 10 ms: a lock file costs tens of microseconds.
    public static let `default` = SingleFlight.automatic(threshold: .milliseconds(10))
}

/// How long the body of one memoized function last took in this process: what
/// ``SingleFlight/automatic(threshold:)`` decides by.
final class LastRunDuration: Sendable {
    private let last = Locked<Duration?>(nil)

    var value: Duration? { last.withLock { $0 } }

    /// Runs `body` and records how long it took (also when it throws).
    func time<R>(_ body: () throws -> R) rethrows -> R {
        let clock = ContinuousClock()
        let start = clock.now
        defer { last.withLock { $0 = clock.now - start } }
        return try body()
    }

    /// Awaits `body` and records how long it took (also when it throws).
    func time<R>(_ body: () async throws -> R) async rethrows -> R {
        let clock = ContinuousClock()
        let start = clock.now
        defer { last.withLock { $0 = clock.now - start } }
        return try await body()
    }
}

extension MemoizationCore {
    /// Whether equal misses of this process wait for one run.
    var sharesRunsInProcess: Bool { singleFlight != .off }

    /// The store to hold this miss's lock in across processes, or `nil` when the policy says
    /// not to lock or the cache saves to no file store.
    private func lockStore(_ prepared: Prepared) -> FileStore? {
        switch singleFlight {
        case .off, .inProcess: return nil
        case .acrossProcesses: break
        case .automatic(let threshold): if let last = lastRun.value, last < threshold { return nil }
        }
        return prepared.cache.savingStore
    }

    /// Takes this miss's lock across processes, blocking while another process computes the
    /// call; `nil` when no lock is taken (policy, no store, a read-only store).
    func lockAcrossProcesses(_ prepared: Prepared) -> CallLock? {
        guard let store = lockStore(prepared) else { return nil }
        if case .acquired(let lock) = store.lockCall(prepared.key, wait: true) { return lock }
        return nil
    }

    /// Takes this miss's lock across processes without holding a thread while another
    /// process computes the call: polls, from 1 ms up to every 50 ms.
    /// - Throws: `CancellationError` when the task is cancelled while it waits.
    func lockAcrossProcesses(_ prepared: Prepared) async throws -> CallLock? {
        guard let store = lockStore(prepared) else { return nil }
        var pause = Duration.milliseconds(1)
        while true {
            switch store.lockCall(prepared.key, wait: false) {
            case .acquired(let lock): return lock
            case .unavailable: return nil
            case .busy:
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }
}
