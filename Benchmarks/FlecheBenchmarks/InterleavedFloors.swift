import Fleche
import Foundation

/// The misses and hits of the workload, each call timed beside its floor in the store's own
/// folders: after (or, every other call, before) the miss of call `i`, a file of the size of
/// its manifest is created in the store's `tmp/`, written, closed and renamed into the shard
/// folder of `calls/` where that manifest went; beside the hit of call `i`, that manifest
/// itself is opened, read and closed. Same folders, same moment, same file system state: a
/// floor that bounds the operation it sits beside.
enum InterleavedFloors {
    struct Times {
        var miss = 0.0, createFloor = 0.0, hit = 0.0, readFloor = 0.0
    }

    static func run(
        store: FileStore, count n: Int, call: (Int) throws -> [Double], key: (Int) throws -> Digest
    ) throws -> Times {
        var times = Times()
        let keys = try (0..<n).map(key)
        let manifests = keys.map { store.calls.path(of: $0) }
        var floorFiles: [String] = []
        let temporary = store.root + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var payload = [UInt8](repeating: 0x61, count: 900)
        for i in 0..<n {
            let shard = (manifests[i] as NSString).deletingLastPathComponent
            let floorFile = shard + "/floor-\(i)"
            floorFiles.append(floorFile)
            // A floor that goes first may be the first file of its shard (untimed).
            mkdir(shard, 0o755)
            func floor() throws {
                // The manifest's own size, once it exists (the first floor of an even call
                // runs after its miss; an odd call's uses the previous size).
                let temp = temporary + "/floor-\(i)"
                let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw BenchmarkError("create \(temp)") }
                _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard rename(temp, floorFile) == 0 else { throw BenchmarkError("rename \(floorFile)") }
            }
            if i % 2 == 0 {
                times.miss += try seconds { _ = try call(i) }
                var info = stat()
                if stat(manifests[i], &info) == 0 { payload = [UInt8](repeating: 0x61, count: Int(info.st_size)) }
                times.createFloor += try seconds(floor)
            } else {
                times.createFloor += try seconds(floor)
                times.miss += try seconds { _ = try call(i) }
            }
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        func read(_ path: String) throws {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw BenchmarkError("open \(path)") }
            _ = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        for i in 0..<n {
            if i % 2 == 0 {
                times.hit += try seconds { _ = try call(i) }
                times.readFloor += try seconds { try read(manifests[i]) }
            } else {
                times.readFloor += try seconds { try read(manifests[i]) }
                times.hit += try seconds { _ = try call(i) }
            }
        }
        for file in floorFiles { unlink(file) }
        return times
    }
}
