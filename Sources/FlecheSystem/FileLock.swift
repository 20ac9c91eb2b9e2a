import SystemPackage

/// An open lock file and `flock` on it. `flock` locks belong to the open file description,
/// so threads of one process that share a `FileLock` share its lock: the caller counts
/// holders (see the store's `StoreLock`).
package final class FileLock: Sendable {
    private let descriptor: FileDescriptor
    package let path: String

    /// Opens (creating if needed) the lock file at `path`.
    package init(path: String) throws(SystemCallError) {
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .readWrite, options: [.create, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw SystemCallError(path: path, operation: "open", errno: error as? Errno ?? .ioError)
        }
        self.path = path
    }

    deinit { try? descriptor.close() }

    /// Waits for the lock, shared with other shared holders.
    package func lockShared() throws(SystemCallError) { try flock(.shared) }

    /// Waits for the lock, alone.
    package func lockExclusive() throws(SystemCallError) { try flock(.exclusive) }

    /// Takes the lock alone if no one holds it; returns whether it did (never waits).
    package func lockExclusiveIfFree() throws(SystemCallError) -> Bool {
        guard let errno = RawCalls.flock(descriptor, .exclusiveIfFree) else { return true }
        if errno == .wouldBlock { return false }
        throw SystemCallError(path: path, operation: "flock", errno: errno)
    }

    /// Whether `path` still names the file this lock has open (same device and inode). A
    /// lock file that its holder removed after this one was opened locks nothing any more:
    /// whoever takes a lock on it must open the path again.
    package func isStillAtPath() -> Bool {
        guard let mine = try? descriptor.stat(), let there = try? FilePath(path).stat(followTargetSymlink: false) else {
            return false
        }
        return mine.deviceID == there.deviceID && mine.inode == there.inode
    }

    /// Releases the lock.
    package func unlock() { _ = RawCalls.flock(descriptor, .unlock) }

    private func flock(_ kind: RawCalls.LockKind) throws(SystemCallError) {
        if let errno = RawCalls.flock(descriptor, kind) {
            throw SystemCallError(path: path, operation: "flock", errno: errno)
        }
    }
}
