#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

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
        guard let stat = try? FilePath(path).stat(followTargetSymlink: false) else { return nil }
        return FileStatus(
            size: Int(stat.size),
            allocated: Int(stat.sizeAllocated),
            modified: seconds(stat.st_mtim),
            changed: seconds(stat.st_ctim),
            isDirectory: stat.type == .directory,
            isRegular: stat.type == .regular)
    }

    /// A file time as seconds since 1970.
    static func seconds(_ time: timespec) -> Double {
        Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
