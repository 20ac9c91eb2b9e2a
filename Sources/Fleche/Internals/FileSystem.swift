#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The raw system calls the file store makes, fenced here so the rest of the library works
/// with typed results and ``FlecheError``.
///
/// Foundation's `FileManager`/`Data(contentsOf:)` cost several allocations and extra
/// `stat`s per file; on the hit and miss paths (one manifest read or write each) the
/// plain calls are what keeps a call near the cost of the system call itself.
enum FileSystem {
    static func error(_ path: String, _ operation: String) -> FlecheError {
        .io(path: path, operation: operation, errno: errno)
    }

    /// Reads a whole file, or returns `nil` if it does not exist.
    static func readFile(_ path: String) throws -> [UInt8]? {
        guard let fd = try path.withCString({ try openForReading($0, relativeTo: AT_FDCWD, describedAs: path) }) else {
            return nil
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw error(path, "stat") }
        // Uninitialised capacity: zero-filling a 16 MiB buffer first costs as much as a copy.
        // One byte more than the size tells whether the file grew (objects never should).
        let size = Int(info.st_size)
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, initialized in
            initialized = 0
            while initialized < buffer.count {
                let count = read(fd, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if count == 0 { return }
                initialized += count
            }
        }
        if failure != 0 { throw FlecheError.io(path: path, operation: "read", errno: failure) }
        if bytes.count > size {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw error(path, "read") }
                if count == 0 { break }
                bytes.append(contentsOf: chunk[0..<count])
            }
        }
        return bytes
    }

    /// Reads a whole small file (a manifest) at `path` relative to the open directory
    /// `directory` and passes its bytes to `body`, or returns `nil` if it does not exist.
    /// The bytes live in a 4 KiB stack buffer (a larger file moves to the heap) and are valid
    /// only inside `body`: no allocation, no zero-filling, no `fstat`. With `confirmEnd`, a
    /// final read finds the end; without it a short read is taken as the end, as it is for
    /// a local file that is never written in place: a manifest then costs open, one read
    /// and close.
    static func withSmallFile<R>(
        _ path: UnsafePointer<CChar>, relativeTo directory: Int32, confirmEnd: Bool,
        describedAs description: @autoclosure () -> String, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        guard let fd = try openForReading(path, relativeTo: directory, describedAs: description()) else { return nil }
        defer { close(fd) }
        func readSome(_ buffer: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
            while true {
                let got = read(fd, buffer, count)
                if got >= 0 { return got }
                if errno != EINTR { throw error(description(), "read") }
            }
        }
        return try withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { stack -> R in
            var filled = 0
            while filled < stack.count {
                let got = try readSome(stack.baseAddress! + filled, stack.count - filled)
                if got == 0 { return try body(UnsafeRawBufferPointer(rebasing: stack[0..<filled])) }
                filled += got
                if !confirmEnd, filled < stack.count { return try body(UnsafeRawBufferPointer(rebasing: stack[0..<filled])) }
            }
            // Larger than the stack buffer: continue on the heap.
            var heap = [UInt8](UnsafeRawBufferPointer(stack))
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = try chunk.withUnsafeMutableBytes { try readSome($0.baseAddress!, $0.count) }
                if got == 0 { break }
                heap.append(contentsOf: chunk[0..<got])
            }
            return try heap.withUnsafeBytes(body)
        }
    }

    /// Opens a file read-only, or returns `nil` if it does not exist.
    private static func openForReading(
        _ path: UnsafePointer<CChar>, relativeTo directory: Int32, describedAs description: @autoclosure () -> String
    ) throws -> Int32? {
        let fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw error(description(), "open")
        }
        return fd
    }

    /// Opens a directory for `openat`, or returns `nil` if it cannot be opened.
    static func openDirectory(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    /// Reads at most `limit` bytes from the start of a file, or `nil` if it does not exist.
    static func readPrefix(_ path: String, limit: Int) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw error(path, "open")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var done = 0
        while done < limit {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, limit - done) }
            if count < 0 {
                if errno == EINTR { continue }
                throw error(path, "read")
            }
            if count == 0 { break }
            done += count
        }
        bytes.removeLast(limit - done)
        return bytes
    }

    /// Creates `path` exclusively and writes `parts` to it; optionally `fsync`s.
    static func writeNewFile(_ path: String, parts: [UnsafeRawBufferPointer], durable: Bool) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error(path, "create") }
        var failure: FlecheError?
        outer: for part in parts {
            var done = 0
            while done < part.count {
                let count = write(fd, part.baseAddress! + done, part.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = error(path, "write")
                    break outer
                }
                done += count
            }
        }
        if failure == nil, durable, fsync(fd) != 0 { failure = error(path, "fsync") }
        if close(fd) != 0, failure == nil { failure = error(path, "close") }
        if let failure {
            unlink(path)
            throw failure
        }
    }

    enum RenameOutcome { case renamed, targetDirectoryMissing }

    /// Renames `source` over `target` atomically.
    static func rename(_ source: String, to target: String) throws -> RenameOutcome {
        if Glibc.rename(source, target) == 0 { return .renamed }
        if errno == ENOENT { return .targetDirectoryMissing }
        throw error(target, "rename")
    }

    /// Links `source` to `target` unless `target` exists; returns whether it linked.
    static func linkIfAbsent(_ source: String, to target: String) throws -> Bool {
        if link(source, target) == 0 { return true }
        if errno == EEXIST { return false }
        throw error(target, "link")
    }

    /// Creates a directory; an existing one is fine.
    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw error(path, "mkdir") }
    }

    /// Creates a directory and its missing parents.
    static func makeDirectories(_ path: String) throws {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw error(path, "mkdir") }
        let parent = parentDirectory(path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent) }
        try makeDirectory(path)
    }

    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Removes a file; returns false if it did not exist.
    @discardableResult
    static func removeFile(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw error(path, "unlink")
    }

    /// Removes a directory if it is empty; returns whether it did.
    static func removeEmptyDirectory(_ path: String) -> Bool {
        rmdir(path) == 0
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Sets a file's modification time to now; returns false if it does not exist.
    static func touch(_ path: String) -> Bool {
        utimensat(AT_FDCWD, path, nil, 0) == 0
    }

    struct FileInfo {
        var size: Int
        var allocated: Int
        var modified: Double
        var changed: Double
        var isDirectory: Bool
        var isRegular: Bool
    }

    static func info(_ path: String) -> FileInfo? {
        var s = stat()
        guard lstat(path, &s) == 0 else { return nil }
        return FileInfo(
            size: Int(s.st_size),
            allocated: Int(s.st_blocks) * 512,
            modified: Double(s.st_mtim.tv_sec) + Double(s.st_mtim.tv_nsec) / 1e9,
            changed: Double(s.st_ctim.tv_sec) + Double(s.st_ctim.tv_nsec) / 1e9,
            isDirectory: (s.st_mode & S_IFMT) == S_IFDIR,
            isRegular: (s.st_mode & S_IFMT) == S_IFREG)
    }

    /// The names in a directory (without `.` and `..`), or `nil` if it does not exist.
    static func entries(_ path: String) throws -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw error(path, "opendir")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
