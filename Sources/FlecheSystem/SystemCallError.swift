import SystemPackage

/// A system call that failed: which one, on which path, and the `errno` it set.
///
/// The fence's only error. The store layer above maps it to `FlecheError.io`, so that
/// library users see one error type; code inside the store may first test ``errno`` (a
/// missing shard folder is retried, not reported).
package struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path the call was about (a description for calls through an open directory).
    package let path: String
    /// What was attempted: `open`, `read`, `rename`, …
    package let operation: String
    /// The error number the call set.
    package let errno: Errno

    package init(path: String, operation: String, errno: Errno) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    package var description: String { "\(operation) \(path) failed: \(errno) (errno \(errno.rawValue))" }
}

extension Errno {
    /// `ENOENT` or `ENOTDIR`: the path, or a folder on it, does not exist.
    package var isMissingPath: Bool { self == .noSuchFileOrDirectory || self == .notDirectory }
}

// The store layer names swift-system's types (`FileDescriptor`, `Errno`) through the fence.
@_exported import SystemPackage
