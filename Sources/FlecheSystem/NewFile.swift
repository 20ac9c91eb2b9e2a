import CFileCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A file being written in pieces under a temporary name: created exclusively, written in
/// order (or its content cloned from another file), then closed (`fsync`ed first when
/// durable) or removed. The caller renames it into place, so that nobody ever sees it half
/// written.
package struct NewFile: ~Copyable {
    /// Where the file is being written (for a nameless file, the folder it will be named in).
    package let path: String
    private let descriptor: FileDescriptor
    /// Whether the file has no name yet (`O_TMPFILE`): ``publish(as:durable:)`` gives it one.
    private let isNameless: Bool

    /// Creates `path`, which must not exist; `executable` gives everyone who may read it the
    /// right to execute it too (`0755` before the umask, else `0644`).
    package init(creating path: String, executable: Bool = false) throws(SystemCallError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                permissions: Self.permissions(executable: executable))
        } catch {
            throw FileSystem.failure(path, "create", error as? Errno ?? .ioError)
        }
        self.init(path: path, descriptor: descriptor, isNameless: false)
    }

    /// Creates a file in `directory` that has no name until ``publish(as:durable:)``, so that a
    /// process killed while writing it leaves nothing anywhere; where the file system cannot
    /// (no `O_TMPFILE`), a file under a hidden temporary name in `directory` instead.
    package init(inFolder directory: String, executable: Bool = false) throws(SystemCallError) {
        let permissions = Self.permissions(executable: executable)
        let opened = directory.withCString { fleche_open_nameless($0, UInt32(permissions.rawValue)) }
        if opened >= 0 {
            self.init(path: directory, descriptor: FileDescriptor(rawValue: opened), isNameless: true)
            return
        }
        let errno = Errno(rawValue: Glibc.errno)
        guard errno == .notSupported || errno == .isDirectory else { throw FileSystem.failure(directory, "open(O_TMPFILE)", errno) }
        try self.init(creating: Self.temporaryName(in: directory), executable: executable)
    }

    private init(path: String, descriptor: FileDescriptor, isNameless: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.isNameless = isNameless
    }

    private static func permissions(executable: Bool) -> FilePermissions {
        var permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
        if executable { permissions.formUnion([.ownerExecute, .groupExecute, .otherExecute]) }
        return permissions
    }

    /// A hidden name in `directory` that no other writer uses.
    package static func temporaryName(in directory: String) -> String {
        "\(directory)/.fleche-\(FileSystem.processID)-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Closes the finished file (`fsync`ed first when `durable`) and renames it to `target`,
    /// replacing a file there atomically: a reader of `target` sees the old file or the whole
    /// new one. On failure the file is removed.
    package consuming func publish(as target: String, durable: Bool) throws(SystemCallError) {
        var named = path
        if isNameless {
            named = Self.temporaryName(in: path)
            let result = named.withCString { fleche_name_file(descriptor.rawValue, $0) }
            if result != 0 {
                try? descriptor.close()
                throw FileSystem.failure(named, "linkat", Errno(rawValue: result))
            }
        }
        let name = named
        try finish(durable: durable, removing: name)
        if let errno = RawCalls.rename(name, target) {
            _ = RawCalls.unlink(name)
            throw FileSystem.failure(target, "rename", errno)
        }
    }

    /// Appends `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        do {
            _ = try descriptor.writeAll(bytes)
        } catch {
            throw FileSystem.failure(path, "write", error as? Errno ?? .ioError)
        }
    }

    /// Writes `bytes` at `offset`, leaving the position where appends go as it is.
    package func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SystemCallError) {
        do {
            _ = try descriptor.writeAll(toAbsoluteOffset: Int64(offset), bytes)
        } catch {
            throw FileSystem.failure(path, "pwrite", error as? Errno ?? .ioError)
        }
    }

    /// Makes this file's content the bytes of `source` from `offset` to its end by sharing
    /// the file system's blocks (a reflink: btrfs, XFS), reading and writing nothing.
    /// Returns false where the file system cannot (ext4, tmpfs, another file system, an
    /// offset that is not a multiple of its block size): the caller copies instead.
    package func clone(from source: String, offset: Int) throws(SystemCallError) -> Bool {
        let input: FileDescriptor
        do {
            input = try FileDescriptor.open(FilePath(source), .readOnly, options: [.closeOnExec])
        } catch {
            throw FileSystem.failure(source, "open", error as? Errno ?? .ioError)
        }
        defer { try? input.close() }
        let result = fleche_clone_range(input.rawValue, UInt64(offset), descriptor.rawValue)
        if result == 0 { return true }
        switch Errno(rawValue: result) {
        case .notSupported, .improperLink, .invalidArgument, .notPermitted, .badFileDescriptor, .inappropriateIOCTLForDevice:
            return false
        case let errno:
            throw FileSystem.failure(path, "ioctl(FICLONERANGE)", errno)
        }
    }

    /// Makes the file read-only for everyone (`0444`, `0555` when `executable`) and sets its
    /// access and modification times to the start of 1970 exactly: how a file that is hard-linked to many
    /// places shows it was never written since (any write moves its time).
    package func sealForLinking(executable: Bool) throws(SystemCallError) {
        if fchmod(descriptor.rawValue, executable ? 0o555 : 0o444) != 0 {
            throw FileSystem.failure(path, "fchmod", Errno(rawValue: Glibc.errno))
        }
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        if futimens(descriptor.rawValue, &times) != 0 {
            throw FileSystem.failure(path, "futimens", Errno(rawValue: Glibc.errno))
        }
    }

    /// Whether the file at `path` is as ``sealForLinking(executable:)`` left it, `size`
    /// bytes long: a regular file, read-only with that mode, its modification time still the
    /// start of 1970.
    package static func isSealedForLinking(_ path: String, size: Int, executable: Bool) -> Bool {
        guard case .success(let info) = RawCalls.status(path, followingLinks: false) else { return false }
        return info.st_mode & S_IFMT == S_IFREG && Int(info.st_size) == size
            && info.st_mode & 0o7777 == (executable ? 0o555 : 0o444)
            && info.st_mtim.tv_sec == 0 && info.st_mtim.tv_nsec == 0
    }

    /// Closes the file, `fsync`ing it first when `durable`; on failure removes it.
    package consuming func finish(durable: Bool) throws(SystemCallError) {
        try finish(durable: durable, removing: path)
    }

    private consuming func finish(durable: Bool, removing name: String) throws(SystemCallError) {
        var problem: SystemCallError?
        if durable, let errno = RawCalls.fsync(descriptor) { problem = FileSystem.failure(path, "fsync", errno) }
        do {
            try descriptor.close()
        } catch {
            if problem == nil { problem = FileSystem.failure(path, "close", error as? Errno ?? .ioError) }
        }
        if let problem {
            _ = RawCalls.unlink(name)
            throw problem
        }
    }

    /// Closes and removes the file (a nameless one just vanishes): a failed write's end.
    package consuming func abandon() {
        try? descriptor.close()
        if !isNameless { _ = RawCalls.unlink(path) }
    }
}
