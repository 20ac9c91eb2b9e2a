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
            modified: Double(stat.st_mtim.tv_sec) + Double(stat.st_mtim.tv_nsec) / 1e9,
            changed: Double(stat.st_ctim.tv_sec) + Double(stat.st_ctim.tv_nsec) / 1e9,
            isDirectory: stat.type == .directory,
            isRegular: stat.type == .regular)
    }
}
