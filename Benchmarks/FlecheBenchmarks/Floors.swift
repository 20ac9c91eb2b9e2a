import CZlib
import Crypto
import Fleche
import Foundation

/// The costs Fleche cannot beat on this machine, measured with plain system calls and
/// libraries in the same process and file system as the workload.
enum Floors {
    /// Seconds per create+write+close+rename of a small file into a sharded directory, and per
    /// open+read+close of one.
    static func smallFiles(in root: String, count: Int, size: Int = 420) throws -> (create: Double, read: Double) {
        let payload = [UInt8](repeating: 0x61, count: size)
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        var paths: [String] = []
        for i in 0..<count {
            let shard = String(format: "%02x", i % 256)
            try FileManager.default.createDirectory(atPath: "\(root)/files/\(shard)", withIntermediateDirectories: true)
            paths.append("\(root)/files/\(shard)/\(String(format: "%062x", i))")
        }
        let create = try seconds {
            for (i, path) in paths.enumerated() {
                let temporary = "\(root)/tmp/\(i)"
                let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw BenchmarkError("create \(temporary)") }
                _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard rename(temporary, path) == 0 else { throw BenchmarkError("rename \(path)") }
            }
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let read = try seconds {
            for path in paths {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw BenchmarkError("open \(path)") }
                var info = stat()
                fstat(fd, &info)
                _ = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
        return (create / Double(count), read / Double(count))
    }

    /// Seconds to write `data` to a new file and rename it into place.
    static func rawWrite(_ data: Data, in root: String) throws -> Double {
        try seconds {
            let temporary = root + "/raw.tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw BenchmarkError("create \(temporary)") }
            var done = 0
            data.withUnsafeBytes { raw in
                while done < raw.count {
                    let n = write(fd, raw.baseAddress! + done, raw.count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
            close(fd)
            guard rename(temporary, root + "/raw") == 0 else { throw BenchmarkError("rename") }
        }
    }

    static func sha256(_ data: Data) -> Double {
        seconds { _ = SHA256.hash(data: data) }
    }

    static func xxh3(_ data: Data) -> Double {
        seconds { _ = data.withUnsafeBytes { DigestAlgorithm.xxh3.hash($0) } }
    }

    /// Seconds for one zlib level-1 compression of `data`.
    static func zlibLevel1(_ data: Data) -> Double {
        seconds {
            var bound = compressBound(uLong(data.count))
            var output = [UInt8](repeating: 0, count: Int(bound))
            data.withUnsafeBytes { input in
                _ = output.withUnsafeMutableBufferPointer { out in
                    compress2(out.baseAddress, &bound, input.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(data.count), 1)
                }
            }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Wall-clock seconds of `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
