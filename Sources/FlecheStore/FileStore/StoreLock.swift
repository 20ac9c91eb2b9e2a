import FlecheSystem
import FlecheValue

/// The store's `gc.lock`: writers hold it shared while they save a call (values, then the
/// manifest); gc holds it exclusively while it marks. So gc never marks while a save is
/// half done (values written, manifest not yet), which is what makes a zero grace period safe.
///
/// `flock` locks belong to an open file description, so one process shares one descriptor
/// among its writer threads and counts them: the first takes the lock, the last drops it.
final class StoreLock: Sendable {
    private struct State {
        var file: FileLock?
        var holders = 0
    }

    let path: String
    private let state = Locked(State())

    init(path: String) { self.path = path }

    /// Runs `body` holding the lock shared. A store whose lock file cannot be opened (a
    /// read-only copy) runs unlocked: nothing can be written there anyway.
    /// `body` is given how long taking the lock took (a gc's exclusive hold, or another
    /// thread of this process taking it, makes that more than a system call).
    func withShared<R>(_ body: (_ waited: Duration) throws -> R) rethrows -> R {
        let asked = ContinuousClock.now
        state.withLock { state in
            if state.holders == 0 {
                if state.file == nil { state.file = try? FileLock(path: path) }
                try? state.file?.lockShared()
            }
            state.holders += 1
        }
        defer {
            state.withLock { state in
                state.holders -= 1
                if state.holders == 0 { state.file?.unlock() }
            }
        }
        return try body(ContinuousClock.now - asked)
    }

    /// Runs `body` holding the lock exclusively (waits for every writer to finish its save).
    func withExclusive<R>(_ body: () throws -> R) throws -> R {
        let file = try fenced { try FileLock(path: path) }
        try fenced { try file.lockExclusive() }
        defer { file.unlock() }
        return try body()
    }
}
