import CFileCalls
import SystemPackage

extension FileSystem {
    /// Creates a directory; an existing one is fine.
    package static func makeDirectory(_ path: String) throws(SystemCallError) {
        if let errno = RawCalls.makeDirectory(path), errno != .fileExists { throw failure(path, "mkdir", errno) }
    }

    /// Creates a directory and its missing parents.
    package static func makeDirectories(_ path: String) throws(SystemCallError) {
        guard let errno = RawCalls.makeDirectory(path), errno != .fileExists else { return }
        guard errno == .noSuchFileOrDirectory else { throw failure(path, "mkdir", errno) }
        let parent = parentDirectory(path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent) }
        try makeDirectory(path)
    }

    /// The folder part of `path` (`.` for a bare name).
    package static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Removes a directory if it is empty; returns whether it did.
    package static func removeEmptyDirectory(_ path: String) -> Bool {
        RawCalls.removeDirectory(path) == nil
    }

    /// The names in a directory (without `.` and `..`), or `nil` if it does not exist.
    package static func entries(_ path: String) throws(SystemCallError) -> [String]? {
        switch RawCalls.entries(path) {
        case .success(let names): return names
        case .failure(let errno) where errno.isMissingPath: return nil
        case .failure(let errno): throw failure(path, "opendir", errno)
        }
    }

    /// Passes each name in a directory (but `.` and `..`) to `body` as its bytes, valid only
    /// during the call: a listing of thousands of names that makes no `String` of each.
    /// Returns `false` if the directory does not exist.
    package static func forEachEntry(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemCallError) -> Bool {
        switch RawCalls.forEachEntry(path, body) {
        case .success: return true
        case .failure(let errno) where errno.isMissingPath: return false
        case .failure(let errno): throw failure(path, "opendir", errno)
        }
    }

    /// Removes a directory with everything in it (symbolic links are removed, never
    /// followed); a missing directory is fine.
    package static func removeTree(_ path: String) throws(SystemCallError) {
        guard let names = try entries(path) else { return }
        for name in names {
            let child = path + "/" + name
            if let info = status(child), info.isDirectory {
                try removeTree(child)
            } else {
                _ = try removeFile(child)
            }
        }
        if let errno = RawCalls.removeDirectory(path), !errno.isMissingPath { throw failure(path, "rmdir", errno) }
    }

    /// Puts the finished directory `source` at `target` in one step: renamed there when
    /// nothing is there, else swapped with what is (`RENAME_EXCHANGE`), whose tree is then
    /// removed. A reader of `target` sees the old tree or the whole new one.
    package static func replaceDirectory(_ target: String, with source: String) throws(SystemCallError) {
        guard let errno = RawCalls.rename(source, target) else { return }
        guard errno == .directoryNotEmpty || errno == .fileExists || errno == .isDirectory || errno == .notDirectory else {
            throw failure(target, "rename", errno)
        }
        let exchanged = fleche_exchange(source, target)
        guard exchanged == 0 else { throw failure(target, "renameat2(RENAME_EXCHANGE)", Errno(rawValue: exchanged)) }
        if let info = status(source), info.isDirectory {
            try removeTree(source)
        } else {
            _ = try removeFile(source)
        }
    }
}
