/// Reading a file of any size in pieces through one buffer, and appending records to a log.
extension FileSystem {
    /// Passes the content of the file at `path` (from byte `offset` on) to `body` in pieces
    /// of at most `bufferSize` bytes, in order, and returns the identity of the file as it
    /// was opened (`fstat` of the open descriptor, so that a file replaced meanwhile is not
    /// mistaken for the one read); `nil` if the file does not exist.
    package static func readPieces(
        _ path: String, from offset: Int = 0, bufferSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> FileIdentity? {
        guard let descriptor = try openForReading(path) else { return nil }
        defer { try? descriptor.close() }
        let identity: FileIdentity
        do {
            identity = FileIdentity(try descriptor.stat().rawValue)
        } catch {
            throw failure(path, "stat", error)
        }
        if offset > 0 {
            do {
                _ = try descriptor.seek(offset: Int64(offset), from: .start)
            } catch {
                throw failure(path, "lseek", error as? Errno ?? .ioError)
            }
        }
        // A small file gets a small buffer: a 1 MiB allocation is an `mmap` and a `munmap`
        // (a tree of small files would pay two system calls more per file).
        let capacity = min(bufferSize, (Int(identity.size) + 1 + 4095) / 4096 * 4096)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count: Int
            do {
                count = try descriptor.read(into: buffer, retryOnInterrupt: true)
            } catch {
                throw failure(path, "read", error as? Errno ?? .ioError)
            }
            if count == 0 { return identity }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Appends `bytes` to the file at `path` (created if absent) with one `write` on a
    /// descriptor opened with `O_APPEND`, so that records appended by several processes at
    /// once do not interleave (a local file system appends each `write` whole).
    package static func append(_ bytes: [UInt8], to path: String) throws(SystemCallError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .append, .closeOnExec],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw failure(path, "open", error as? Errno ?? .ioError)
        }
        defer { try? descriptor.close() }
        do {
            _ = try bytes.withUnsafeBytes { try descriptor.writeAll($0) }
        } catch {
            throw failure(path, "write", error as? Errno ?? .ioError)
        }
    }
}
