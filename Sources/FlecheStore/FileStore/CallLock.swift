import FlecheSystem
import FlecheValue

/// The lock of one call across the processes that share a store: `<store>/locks/<key>`,
/// held with `flock` by the process computing the call while others wait for its result.
///
/// The kernel drops a `flock` when its holder exits, however it exits, so a holder killed
/// with `kill -9` never blocks a waiter: the waiter takes the lock and computes the call
/// itself. The holder removes the file before it lets go, so lock files do not pile up;
/// one left by a killed holder is removed by the next process that takes it, or by gc.
/// Whoever takes a lock checks that the path still names the file it locked (a file removed
/// meanwhile locks nothing) and otherwise opens the path again.
package final class CallLock: Sendable {
    private let file: FileLock

    private init(file: FileLock) { self.file = file }

    /// Removes the lock file, then lets go of it: a process waiting on the removed file
    /// finds it gone once it has the lock, and opens the path again.
    package func release() {
        _ = try? FileSystem.removeFile(file.path)
        file.unlock()
    }

    /// What taking a call's lock found.
    package enum Attempt: Sendable {
        /// The lock is this process's until ``CallLock/release()``.
        case acquired(CallLock)
        /// Another process holds it (only when not waiting).
        case busy
        /// This store cannot hold locks (a read-only copy): compute without one.
        case unavailable
    }

    /// Takes the lock at `path`, waiting for its holder when `wait` (blocking the thread)
    /// or answering ``Attempt/busy`` at once.
    static func take(_ path: String, directory: String, wait: Bool) -> Attempt {
        while true {
            let file: FileLock
            do {
                file = try FileLock(path: path)
            } catch {
                do {
                    try FileSystem.makeDirectories(directory)
                    file = try FileLock(path: path)
                } catch {
                    return .unavailable
                }
            }
            do {
                if wait {
                    try file.lockExclusive()
                } else if try !file.lockExclusiveIfFree() {
                    return .busy
                }
            } catch {
                return .unavailable
            }
            if file.isStillAtPath() { return .acquired(CallLock(file: file)) }
            file.unlock()  // its holder removed it: open the path again
        }
    }

    /// Removes every lock file no process holds (what a killed holder left); returns how many.
    static func removeUnheld(in directory: String) throws -> Int {
        var removed = 0
        for name in try fenced({ try FileSystem.entries(directory) }) ?? [] {
            let path = directory + "/" + name
            guard let file = try? FileLock(path: path), (try? file.lockExclusiveIfFree()) == true else { continue }
            defer { file.unlock() }
            if file.isStillAtPath(), (try? FileSystem.removeFile(path)) == true { removed += 1 }
        }
        return removed
    }
}

extension FileStore {
    /// Takes the lock of call `key` across processes (``CallLock``): waits while another
    /// process holds it when `wait`, else answers ``CallLock/Attempt/busy``.
    package func lockCall(_ key: Digest, wait: Bool) -> CallLock.Attempt {
        CallLock.take(layout.locksDirectory + "/" + key.hex, directory: layout.locksDirectory, wait: wait)
    }

    /// Removes the call locks that no process holds; returns how many.
    package func removeUnheldCallLocks() throws -> Int {
        try CallLock.removeUnheld(in: layout.locksDirectory)
    }
}
