import SystemPackage

/// The file operations the store makes, on swift-system's `FileDescriptor`, `FilePath` and
/// `Errno` (reads and writes retry `EINTR` there), with the few calls it lacks in
/// ``RawCalls``. Every failure is a ``SystemCallError``; "does not exist" is a `nil` or a
/// `false` where callers expect it.
///
/// Foundation's `FileManager`/`Data(contentsOf:)` cost several allocations and extra
/// `stat`s per file; on the hit and miss paths (one manifest read or write each) the plain
/// calls are what keeps a call near the cost of the system call itself.
package enum FileSystem {
    static func failure(_ path: String, _ operation: String, _ errno: Errno) -> SystemCallError {
        SystemCallError(path: path, operation: operation, errno: errno)
    }

    // MARK: Reading

    /// Reads a whole file, or returns `nil` if it does not exist.
    package static func readFile(_ path: String) throws(SystemCallError) -> [UInt8]? {
        guard case .whole(let bytes)? = try readFile(path, unlessLargerThan: Int.max) else { return nil }
        return bytes
    }

    /// What ``readFile(_:unlessLargerThan:)`` found: the file's bytes, or its size when it
    /// was larger than the limit (then nothing was read).
    package enum WholeFile {
        case whole([UInt8])
        case larger(size: Int)
    }

    /// Reads a whole file unless it is larger than `limit` bytes; `nil` if it does not exist.
    package static func readFile(_ path: String, unlessLargerThan limit: Int) throws(SystemCallError) -> WholeFile? {
        guard let descriptor = try openForReading(path) else { return nil }
        defer { try? descriptor.close() }
        let size = try self.size(of: descriptor, describedAs: path)
        if size > limit { return .larger(size: size) }
        // Uninitialised capacity: zero-filling a 16 MiB buffer first costs as much as a copy.
        // One byte more than the size tells whether the file grew (objects never should).
        var readError: Errno?
        var bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, initialized in
            initialized = 0
            while initialized < buffer.count {
                do {
                    let count = try descriptor.read(
                        into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[initialized...])),
                        retryOnInterrupt: true)
                    if count == 0 { return }
                    initialized += count
                } catch {
                    readError = error as? Errno ?? .ioError
                    return
                }
            }
        }
        if let readError { throw failure(path, "read", readError) }
        if bytes.count > size { try readRest(descriptor, into: &bytes, describedAs: path) }
        return .whole(bytes)
    }

    /// Reads the file at `path` from byte `offset` into `buffer` until it is full or the file
    /// ends; returns the bytes read and whether the file ended there (`nil` if it does not
    /// exist).
    package static func read(
        _ path: String, from offset: Int, into buffer: UnsafeMutableRawBufferPointer
    ) throws(SystemCallError) -> (count: Int, atEnd: Bool)? {
        guard let descriptor = try openForReading(path) else { return nil }
        defer { try? descriptor.close() }
        var filled = 0
        do {
            while filled < buffer.count {
                let count = try descriptor.read(
                    fromAbsoluteOffset: Int64(offset + filled), into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]),
                    retryOnInterrupt: true)
                if count == 0 { return (filled, true) }
                filled += count
            }
            var probe: UInt8 = 0
            let more = try withUnsafeMutableBytes(of: &probe) {
                try descriptor.read(fromAbsoluteOffset: Int64(offset + filled), into: $0, retryOnInterrupt: true)
            }
            return (filled, more == 0)
        } catch {
            throw failure(path, "pread", error as? Errno ?? .ioError)
        }
    }

    /// Reads a whole small file (a manifest) at `path` relative to the open directory
    /// `directory` and passes its bytes to `body`, or returns `nil` if it does not exist.
    /// The bytes live in a 4 KiB stack buffer (a larger file moves to the heap) and are valid
    /// only inside `body`: no allocation, no zero-filling, no `fstat`. With `confirmEnd`, a
    /// final read finds the end; without it a short read is taken as the end, as it is for
    /// a local file that is never written in place: a manifest then costs open, one read
    /// and close.
    ///
    /// With `refreshingTimesOlderThan`, a file whose mtime is earlier than that moment
    /// (seconds since 1970) gets the current time as its mtime (`fstat`, then `futimens` on
    /// the open file; a failure is ignored): how the store records a use.
    ///
    /// With `measuringAllocation`, `body` also gets the bytes the file takes on disk (an
    /// `fstat` of the open file, where a `stat` by path would walk the path again); without
    /// it, `nil`.
    package static func withSmallFile<R>(
        _ path: UnsafePointer<CChar>, relativeTo directory: FileDescriptor, confirmEnd: Bool,
        refreshingTimesOlderThan cutoff: Double? = nil, measuringAllocation: Bool = false,
        describedAs description: @autoclosure () -> String, _ body: (UnsafeRawBufferPointer, _ allocated: Int?) -> R
    ) throws(SystemCallError) -> R? {
        guard let descriptor = try openForReading(path, relativeTo: directory, describedAs: description()) else {
            return nil
        }
        defer { try? descriptor.close() }
        let status = cutoff != nil || measuringAllocation ? try? descriptor.stat() : nil
        if let cutoff, let status, Self.seconds(status.st_mtim) < cutoff {
            _ = RawCalls.touch(descriptor)
        }
        let allocated = measuringAllocation ? status.map { Int($0.blocksAllocated) * 512 } : nil
        func readSome(_ buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
            do {
                return try descriptor.read(into: buffer, retryOnInterrupt: true)
            } catch {
                throw failure(description(), "read", error as? Errno ?? .ioError)
            }
        }
        return try withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { (stack) throws(SystemCallError) -> R in
            var filled = 0
            while filled < stack.count {
                let got = try readSome(UnsafeMutableRawBufferPointer(rebasing: stack[filled...]))
                if got == 0 { return body(UnsafeRawBufferPointer(rebasing: stack[0..<filled]), allocated) }
                filled += got
                if !confirmEnd, filled < stack.count { return body(UnsafeRawBufferPointer(rebasing: stack[0..<filled]), allocated) }
            }
            // Larger than the stack buffer: continue on the heap.
            var heap = [UInt8](UnsafeRawBufferPointer(stack))
            try readRest(descriptor, into: &heap, describedAs: description())
            return heap.withUnsafeBytes { body($0, allocated) }
        }
    }

    /// The size of the open file `descriptor` (`fstat`).
    private static func size(of descriptor: FileDescriptor, describedAs path: String) throws(SystemCallError) -> Int {
        do {
            return Int(try descriptor.stat().size)
        } catch {
            throw failure(path, "stat", error)
        }
    }

    /// Appends everything up to the end of the file to `bytes`.
    private static func readRest(
        _ descriptor: FileDescriptor, into bytes: inout [UInt8], describedAs description: String
    ) throws(SystemCallError) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
            } catch {
                throw failure(description, "read", error as? Errno ?? .ioError)
            }
            if count == 0 { return }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Opens a file read-only (relative to `directory` when given), or returns `nil` if it
    /// does not exist.
    private static func openForReading(
        _ path: UnsafePointer<CChar>, relativeTo directory: FileDescriptor?, describedAs description: @autoclosure () -> String
    ) throws(SystemCallError) -> FileDescriptor? {
        switch RawCalls.openForReading(path, relativeTo: directory) {
        case .success(let descriptor): return descriptor
        case .failure(let errno) where errno.isMissingPath: return nil
        case .failure(let errno): throw failure(description(), "open", errno)
        }
    }

    /// Opens the file at `path` read-only, or returns `nil` if it does not exist.
    static func openForReading(_ path: String) throws(SystemCallError) -> FileDescriptor? {
        switch path.withCString({ RawCalls.openForReading($0, relativeTo: nil) }) {
        case .success(let descriptor): return descriptor
        case .failure(let errno) where errno.isMissingPath: return nil
        case .failure(let errno): throw failure(path, "open", errno)
        }
    }

    /// Opens a directory for reads relative to it, or returns `nil` if it cannot be opened.
    package static func openDirectory(_ path: String) -> FileDescriptor? {
        try? FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
    }

    /// Reads at most `limit` bytes from the start of a file, or `nil` if it does not exist.
    package static func readPrefix(_ path: String, limit: Int) throws(SystemCallError) -> [UInt8]? {
        guard let descriptor = try openForReading(path) else { return nil }
        defer { try? descriptor.close() }
        // The buffer starts at 64 KiB and doubles as bytes arrive, so a large `limit` taken from
        // a damaged header costs no more memory than the file holds.
        var bytes = [UInt8](repeating: 0, count: min(limit, 65_536))
        var done = 0
        while done < limit {
            if done == bytes.count { bytes.append(contentsOf: repeatElement(0, count: min(limit - done, bytes.count))) }
            let count: Int
            do {
                count = try bytes.withUnsafeMutableBytes {
                    try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]), retryOnInterrupt: true)
                }
            } catch {
                throw failure(path, "read", error as? Errno ?? .ioError)
            }
            if count == 0 { break }
            done += count
        }
        bytes.removeLast(bytes.count - done)
        return bytes
    }

    /// The first `head` bytes of a file, its last `tail` bytes (they overlap in a file
    /// shorter than both) and its size, or `nil` if it does not exist: enough to tell whether
    /// a stored object is whole without reading its payload.
    package static func readEnds(
        _ path: String, head: Int, tail: Int
    ) throws(SystemCallError) -> (head: [UInt8], tail: [UInt8], size: Int)? {
        guard let descriptor = try openForReading(path) else { return nil }
        defer { try? descriptor.close() }
        let size = try self.size(of: descriptor, describedAs: path)
        func read(at offset: Int, count: Int) throws(SystemCallError) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got: Int
                do {
                    got = try bytes.withUnsafeMutableBytes {
                        try descriptor.read(
                            fromAbsoluteOffset: Int64(offset + done),
                            into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]), retryOnInterrupt: true)
                    }
                } catch {
                    throw failure(path, "read", error as? Errno ?? .ioError)
                }
                if got == 0 { break }
                done += got
            }
            bytes.removeLast(count - done)
            return bytes
        }
        let first = try read(at: 0, count: min(head, size))
        let last = size <= first.count ? Array(first.suffix(tail)) : try read(at: max(0, size - tail), count: min(tail, size))
        return (first, last, size)
    }

    // MARK: Writing

    /// Creates `path` exclusively and writes `parts` to it; `durable` `fsync`s it before it
    /// is closed. A failed write removes the file.
    package static func writeNewFile(_ path: String, parts: [UnsafeRawBufferPointer], durable: Bool) throws(SystemCallError) {
        let file = try NewFile(creating: path)
        for part in parts {
            do {
                try file.write(part)
            } catch {
                file.abandon()
                throw error
            }
        }
        try file.finish(durable: durable)
    }

    /// Creates an empty file unless one exists (a lock file); errors are ignored, as for a
    /// store on a read-only copy.
    package static func createIfAbsent(_ path: String) {
        let descriptor = try? FileDescriptor.open(
            FilePath(path), .writeOnly, options: [.create, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        try? descriptor?.close()
    }

    // MARK: Names

    /// Whether ``rename(_:to:)`` replaced the target, or found the target's folder missing.
    package enum RenameOutcome { case renamed, targetDirectoryMissing }

    /// Renames `source` over `target` atomically.
    package static func rename(_ source: String, to target: String) throws(SystemCallError) -> RenameOutcome {
        guard let errno = RawCalls.rename(source, target) else { return .renamed }
        if errno == .noSuchFileOrDirectory { return .targetDirectoryMissing }
        throw failure(target, "rename", errno)
    }

    /// Links `source` to `target` unless `target` exists; returns whether it linked.
    package static func linkIfAbsent(_ source: String, to target: String) throws(SystemCallError) -> Bool {
        guard let errno = RawCalls.link(source, target) else { return true }
        if errno == .fileExists { return false }
        throw failure(target, "link", errno)
    }

    /// Hard-links `source` as `target` (which must not exist); returns false where a link
    /// cannot be made there (another file system, one without hard links, a file with the
    /// most links it can have), for the caller to copy instead.
    package static func hardLink(_ source: String, as target: String) throws(SystemCallError) -> Bool {
        switch RawCalls.link(source, target) {
        case nil: return true
        case .improperLink?, .notPermitted?, .notSupported?, .tooManyLinks?: return false
        case let errno?: throw failure(target, "link", errno)
        }
    }

    /// Removes a file; returns false if it did not exist.
    @discardableResult
    package static func removeFile(_ path: String) throws(SystemCallError) -> Bool {
        guard let errno = RawCalls.unlink(path) else { return true }
        if errno == .noSuchFileOrDirectory { return false }
        throw failure(path, "unlink", errno)
    }

    /// Removes the file `path` of the open directory `directory` (`description` names it in
    /// errors); returns whether it existed.
    package static func removeFile(
        _ path: UnsafePointer<CChar>, relativeTo directory: FileDescriptor, describedAs description: @autoclosure () -> String
    ) throws(SystemCallError) -> Bool {
        guard let errno = RawCalls.unlink(path, relativeTo: directory) else { return true }
        if errno == .noSuchFileOrDirectory { return false }
        throw failure(description(), "unlink", errno)
    }

    package static func exists(_ path: String) -> Bool { RawCalls.exists(path) }

    /// What ``touch(_:)`` found.
    package enum TouchOutcome: Equatable { case touched, missing, failed(Errno) }

    /// Sets a file's modification time to now.
    package static func touch(_ path: String) -> TouchOutcome {
        guard let errno = RawCalls.touch(path) else { return .touched }
        return errno == .noSuchFileOrDirectory ? .missing : .failed(errno)
    }

    /// The process's id, for names unique to it.
    package static var processID: Int32 { RawCalls.processID }
}
