import SystemPackage

extension FileSystem {
    /// Reads an open stream (a child process's pipe) until its end, handing each chunk to
    /// `chunk` as it arrives; a read interrupted by a signal is retried (Foundation's
    /// `FileHandle` traps on one). The descriptor stays open.
    package static func readUntilEnd(descriptor: Int32, _ chunk: ([UInt8]) -> Void) throws(SystemCallError) {
        let stream = FileDescriptor(rawValue: descriptor)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try stream.read(into: $0, retryOnInterrupt: true) }
            } catch let errno as Errno {
                throw failure("pipe \(descriptor)", "read", errno)
            } catch {
                throw failure("pipe \(descriptor)", "read", .ioError)
            }
            if count == 0 { return }
            chunk(Array(buffer[0..<count]))
        }
    }
}
