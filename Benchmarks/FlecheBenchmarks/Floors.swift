import CZlib
import Crypto
import Fleche
import Foundation

/// The costs Fleche cannot beat on this machine, measured with plain system calls and
/// libraries in the same process and file system as the workload.
enum Floors {
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
