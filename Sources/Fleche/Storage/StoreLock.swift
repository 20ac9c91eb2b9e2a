import Foundation
import Synchronization

/// The store's `gc.lock`: writers hold it shared while they save a call (values, then the
/// manifest); gc holds it exclusively while it marks. So gc never marks while a save is
/// half done (values written, manifest not yet), which is what makes a zero grace period safe.
///
/// `flock` locks belong to an open file description, so one process shares one descriptor
/// among its writer threads and counts them: the first takes the lock, the last drops it.
final class StoreLock: Sendable {
    private struct State {
        var descriptor: Int32?
        var holders = 0
    }

    let path: String
    private let state = Mutex(State())

    init(path: String) { self.path = path }

    deinit {
        state.withLock { if let fd = $0.descriptor { close(fd) } }
    }

    /// Runs `body` holding the lock shared. A store whose lock file cannot be opened (a
    /// read-only copy) runs unlocked: nothing can be written there anyway.
    func withShared<R>(_ body: () throws -> R) rethrows -> R {
        state.withLock { state in
            if state.holders == 0 {
                if state.descriptor == nil {
                    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                    if fd >= 0 { state.descriptor = fd }
                }
                if let fd = state.descriptor { while flock(fd, LOCK_SH) != 0 && errno == EINTR {} }
            }
            state.holders += 1
        }
        defer {
            state.withLock { state in
                state.holders -= 1
                if state.holders == 0, let fd = state.descriptor { flock(fd, LOCK_UN) }
            }
        }
        return try body()
    }

    /// Runs `body` holding the lock exclusively (waits for every writer to finish its save).
    func withExclusive<R>(_ body: () throws -> R) throws -> R {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.error(path, "open") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileSystem.error(path, "flock") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
