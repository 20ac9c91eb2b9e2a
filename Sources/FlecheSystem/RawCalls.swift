#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// The C calls swift-system does not wrap (`openat`, `rename`, `link`, `mkdir`, `rmdir`,
/// `unlink`, `utimensat`, `access`, `fsync`, `flock`, `opendir`/`readdir`, `stat`/`lstat`), each returning a
/// typed result. This file and ``FileSystem`` are the only places in the package that call
/// the C library's file functions; a test (`SystemCallFenceTests`) keeps it so.
enum RawCalls {
    /// The calling thread's `errno` as an ``Errno``.
    static var lastError: Errno { Errno(rawValue: errno) }

    /// `openat(directory, path, O_RDONLY | O_CLOEXEC)`.
    static func openForReading(_ path: UnsafePointer<CChar>, relativeTo directory: FileDescriptor?) -> Result<FileDescriptor, Errno> {
        while true {
            let fd = openat(directory?.rawValue ?? AT_FDCWD, path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return .success(FileDescriptor(rawValue: fd)) }
            if errno != EINTR { return .failure(lastError) }
        }
    }

    /// `lstat(path)`, or `stat(path)` when `followingLinks`, on the path's own C string (a
    /// `FilePath` would normalise it first: four fifths of the call's cost).
    static func status(_ path: String, followingLinks: Bool) -> Result<stat, Errno> {
        var info = stat()
        let code = path.withCString { followingLinks ? stat($0, &info) : lstat($0, &info) }
        return code == 0 ? .success(info) : .failure(lastError)
    }

    static func rename(_ source: String, _ target: String) -> Errno? {
        source.withCString { from in target.withCString { to in
            (renameat(AT_FDCWD, from, AT_FDCWD, to) == 0) ? nil : lastError
        } }
    }

    static func link(_ source: String, _ target: String) -> Errno? {
        (cLink(source, target) == 0) ? nil : lastError
    }

    static func makeDirectory(_ path: String) -> Errno? {
        (mkdir(path, 0o755) == 0) ? nil : lastError
    }

    static func removeDirectory(_ path: String) -> Errno? {
        (rmdir(path) == 0) ? nil : lastError
    }

    static func unlink(_ path: String) -> Errno? {
        (cUnlink(path) == 0) ? nil : lastError
    }

    /// `unlinkat(directory, path, 0)`.
    static func unlink(_ path: UnsafePointer<CChar>, relativeTo directory: FileDescriptor) -> Errno? {
        (unlinkat(directory.rawValue, path, 0) == 0) ? nil : lastError
    }

    /// Sets the access and modification times to now.
    static func touch(_ path: String) -> Errno? {
        (utimensat(AT_FDCWD, path, nil, 0) == 0) ? nil : lastError
    }

    /// Sets the access and modification times of an open file to now (`futimens`).
    static func touch(_ descriptor: FileDescriptor) -> Errno? {
        (futimens(descriptor.rawValue, nil) == 0) ? nil : lastError
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func fsync(_ descriptor: FileDescriptor) -> Errno? {
        while true {
            if cFsync(descriptor.rawValue) == 0 { return nil }
            if errno != EINTR { return lastError }
        }
    }

    enum LockKind { case shared, exclusive, exclusiveIfFree, unlock }

    /// `flock`, retried when a signal interrupts the wait.
    static func flock(_ descriptor: FileDescriptor, _ kind: LockKind) -> Errno? {
        let operation: Int32 = switch kind {
        case .shared: LOCK_SH
        case .exclusive: LOCK_EX
        case .exclusiveIfFree: LOCK_EX | LOCK_NB
        case .unlock: LOCK_UN
        }
        while true {
            if cFlock(descriptor.rawValue, operation) == 0 { return nil }
            if errno != EINTR { return lastError }
        }
    }

    /// The names in a directory, without `.` and `..`.
    static func entries(_ path: String) -> Result<[String], Errno> {
        var names: [String] = []
        let listed = forEachEntry(path) { name in names.append(String(decoding: name, as: UTF8.self)) }
        return listed.map { names }
    }

    /// Passes each name in a directory but `.` and `..` to `body` as its bytes (valid only
    /// during the call; no `String` is made).
    static func forEachEntry(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) -> Result<Void, Errno> {
        guard let directory = opendir(path) else { return .failure(lastError) }
        defer { closedir(directory) }
        // `d_name` is declared as 256 bytes, but readdir's record ends after the name's NUL:
        // read the name in place. (Copying the field, `withUnsafeBytes(of: entry.pointee.d_name)`,
        // read past the record: AddressSanitizer caught it under the toml fuzz target.)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(directory) {
            let name = (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self)
            let bytes = UnsafeRawBufferPointer(start: name, count: strlen(name))
            if bytes.count == 1 && bytes[0] == UInt8(ascii: ".") { continue }
            if bytes.count == 2 && bytes[0] == UInt8(ascii: ".") && bytes[1] == UInt8(ascii: ".") { continue }
            body(bytes)
        }
        return .success(())
    }

    static var processID: Int32 { getpid() }
}

// The C functions whose names members of `RawCalls` take, called from outside it.
private func cLink(_ source: String, _ target: String) -> Int32 { link(source, target) }
private func cUnlink(_ path: String) -> Int32 { unlink(path) }
private func cFsync(_ descriptor: Int32) -> Int32 { fsync(descriptor) }
private func cFlock(_ descriptor: Int32, _ operation: Int32) -> Int32 { flock(descriptor, operation) }
