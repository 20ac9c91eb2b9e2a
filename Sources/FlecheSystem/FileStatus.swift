#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `lstat` tells of a path, in the units the store uses.
package struct FileStatus: Sendable {
    /// Bytes in the file.
    package var size: Int
    /// Bytes the file takes on disk (allocated blocks).
    package var allocated: Int
    /// Modification time, seconds since 1970.
    package var modified: Double
    /// Status-change time, seconds since 1970 (a rename or link sets it).
    package var changed: Double
    package var isDirectory: Bool
    package var isRegular: Bool
}

extension FileSystem {
    /// The status of `path` itself (a symbolic link is not followed), or `nil` if it cannot
    /// be read.
    package static func status(_ path: String) -> FileStatus? {
        guard case .success(let info) = RawCalls.status(path, followingLinks: false) else { return nil }
        let type = info.st_mode & S_IFMT
        return FileStatus(
            size: Int(info.st_size),
            allocated: Int(info.st_blocks) * 512,
            modified: seconds(info.st_mtim),
            changed: seconds(info.st_ctim),
            isDirectory: type == S_IFDIR,
            isRegular: type == S_IFREG)
    }

    /// A file time as seconds since 1970.
    static func seconds(_ time: timespec) -> Double {
        Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
