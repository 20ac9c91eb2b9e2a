#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies one version of a file without reading it: where it lives (device and
/// inode), its size, and its modification and status-change times to the nanosecond. Any
/// write, `touch`, `chmod` or rename over it changes at least one of them; a stat cache maps
/// it to the digest of the content that was read.
package struct FileIdentity: Sendable, Hashable {
    package var device: UInt64
    package var inode: UInt64
    package var size: Int64
    /// Modification time, nanoseconds since 1970.
    package var modified: Int64
    /// Status-change time, nanoseconds since 1970.
    package var changed: Int64

    /// The identity `stat` (or `lstat`, `fstat`) reported.
    init(_ info: stat) {
        self.init(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: FileSystem.nanoseconds(info.st_mtim), changed: FileSystem.nanoseconds(info.st_ctim))
    }

    package init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }
}

/// What an entry of a tree is, as `lstat` tells it (a symbolic link is not followed).
package enum FileKind: Sendable, Equatable {
    case regular(FileIdentity, executable: Bool)
    case directory
    case symbolicLink
    case other
}

extension FileSystem {
    /// The kind of `path` and, for a regular file, its identity and whether its owner may
    /// execute it; `nil` if it does not exist. With `followingLinks`, a symbolic link is
    /// the file it names (`stat`), else itself (`lstat`).
    package static func kind(of path: String, followingLinks: Bool = false) throws(SystemCallError) -> FileKind? {
        let info: stat
        switch RawCalls.status(path, followingLinks: followingLinks) {
        case .success(let found): info = found
        case .failure(let errno) where errno.isMissingPath: return nil
        case .failure(let errno): throw failure(path, followingLinks ? "stat" : "lstat", errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return .regular(FileIdentity(info), executable: info.st_mode & S_IXUSR != 0)
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The current time of the clock file times are taken from, nanoseconds since 1970.
    package static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return nanoseconds(time)
    }

    static func nanoseconds(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
