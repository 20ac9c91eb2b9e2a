// A helper process for the multi-process tests: memoizes calls for a range of `i` into a
// store and prints how many bodies it ran.
//
//   FlecheTestWorker STORE FIRST COUNT [square|nested|slow|blob]
//
// With FLECHE_WORKER_GATE=DIR, FLECHE_WORKER_NAME=A and FLECHE_WORKER_PEER=B, a worker
// stops after a quarter of its calls, creates DIR/A and waits (up to a minute) for DIR/B
// before it goes on, and prints "overlapped": proof that both processes were half way
// through their work at the same moment.
//
// `square(i)` returns a small array (inline in the manifest); `nested(i)` returns a record
// with nested arrays, part of them shared by every call, so it is destructured into objects
// that many calls reuse (what gc must never sweep from under a writer). `slow(i)` sleeps
// FLECHE_WORKER_SLEEP milliseconds (default 1,500) in its body, after creating the file
// FLECHE_WORKER_MARK if that is set: the cross-process single-flight tests. With
// FLECHE_WORKER_SLOW_FROM=K, only calls with i >= K sleep (and mark). `blob(i)` returns 3,000
// bytes that do not compress (one object per call), after a pause of FLECHE_WORKER_BLOB_PAUSE_US
// microseconds if set (a body that takes time). With FLECHE_WORKER_BUDGET=SIZE the store
// is opened with that budget, trimmed automatically (the auto-trim tests); with
// FLECHE_WORKER_SLOWEST set, the worker prints the slowest call's microseconds
// (Benchmarks/trim_bench.py). A STORE of the form s3://BUCKET/PREFIX is an S3 store at
// FLECHE_WORKER_S3_ENDPOINT, with the credentials of the environment. `materialize` stores a
// file result of COUNT MiB and writes it out to FLECHE_WORKER_DESTINATION in a loop, creating
// FLECHE_WORKER_MARK first (the kill -9 test of materialization).
import Fleche
import Foundation
import FlecheSystem
#if canImport(FlecheS3)
import FlecheS3
#endif

struct Nested: Codable, Equatable, Sendable {
    var id: Int
    var rows: [[Double]]
    var shared: [[Int]]
    var label: String

    static func make(_ i: Int) -> Nested {
        Nested(
            id: i,
            rows: (0..<4).map { row in (0..<8).map { Double(i * 100 + row * 8 + $0) } },
            shared: (0..<3).map { row in (0..<10).map { row * 10 + $0 } },
            label: "call \(i)")
    }
}

/// 3,000 bytes from a generator seeded with `i`: they do not compress.
enum Blob {
    static func make(_ i: Int) -> Data {
        var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 | 1
        return Data((0..<3_000).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        })
    }
}

/// 6 MiB of 2,100 different blobs (``Blob``): a value stored in chunks, which do not compress.
enum LargeBlob {
    static func make(_ i: Int) -> Data {
        var data = Data(capacity: 2_100 * 3_000)
        for k in 0..<2_100 { data.append(Blob.make(i &* 10_000 &+ k)) }
        return data
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 4, let first = Int(arguments[2]), let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: FlecheTestWorker STORE FIRST COUNT [square|nested|slow|blob|large|materialize]\n".utf8))
    exit(2)
}
let mode = arguments.count > 4 ? arguments[4] : "square"

let runs = Locked(0)
do {
    let environment = ProcessInfo.processInfo.environment
    let cache: Cache
    if arguments[1].hasPrefix("s3://") {
        #if canImport(FlecheS3)
        let path = arguments[1].dropFirst("s3://".count).split(separator: "/", maxSplits: 1)
        let location = try S3Location(
            endpoint: environment["FLECHE_WORKER_S3_ENDPOINT"], bucket: String(path[0]),
            prefix: path.count > 1 ? String(path[1]) : "")
        cache = try S3Store(location: location).cache
        #else
        throw FlecheError.invalidArguments("this build has no S3 tier")
        #endif
    } else if let budget = environment["FLECHE_WORKER_BUDGET"] {
        let maxSize = try StoreBudget.parseSize(budget)
        cache = Cache(store: try FileStore(root: arguments[1], budget: StoreBudget(maxSize: maxSize, trimsAutomatically: true)))
    } else {
        cache = try Cache(root: arguments[1])
    }
    let square = memoize("square", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> [Int] in
        runs.withLock { $0 += 1 }
        return [i, i * i, i * i * i]
    }
    let nested = memoize("nested", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> Nested in
        runs.withLock { $0 += 1 }
        return Nested.make(i)
    }
    let blobPause = environment["FLECHE_WORKER_BLOB_PAUSE_US"].flatMap { UInt32($0) }
    let blob = memoize("blob", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> Data in
        runs.withLock { $0 += 1 }
        if let pause = blobPause { usleep(pause) }
        return Blob.make(i)
    }
    let large = memoize("large", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> Data in
        runs.withLock { $0 += 1 }
        return LargeBlob.make(i)
    }
    let slowFrom = Int(environment["FLECHE_WORKER_SLOW_FROM"] ?? "") ?? Int.min
    let slow = memoize("slow", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> [Int] in
        runs.withLock { $0 += 1 }
        guard i >= slowFrom else { return [i, 2 * i] }
        if let mark = environment["FLECHE_WORKER_MARK"] { _ = FileManager.default.createFile(atPath: mark, contents: nil) }
        usleep(UInt32(Int(environment["FLECHE_WORKER_SLEEP"] ?? "") ?? 1_500) * 1_000)
        return [i, 2 * i]
    }
    if mode == "materialize" {
        // A file result of COUNT MiB, stored, then written out of the store again and again
        // (copied, removed) until the test kills the process mid-write.
        let destination = environment["FLECHE_WORKER_DESTINATION"] ?? arguments[1] + ".out"
        let made = memoize("made", version: "1", arguments: ["i"], cache: cache) { (i: Int) -> FileArtifact in
            let path = arguments[1] + ".made-\(i)"
            let piece = Blob.make(i)
            FileManager.default.createFile(atPath: path, contents: Data(repeating: 0, count: 0))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            for _ in 0..<(count << 20) / piece.count { try handle.write(contentsOf: piece) }
            try handle.close()
            return FileArtifact(path)
        }
        _ = try made(first)
        let stored = try made(first)
        if let mark = environment["FLECHE_WORKER_MARK"] { _ = FileManager.default.createFile(atPath: mark, contents: nil) }
        while true {
            try stored.write(to: destination, mode: .copy)
            try FileManager.default.removeItem(atPath: destination)
        }
    }
    let gate = environment["FLECHE_WORKER_GATE"].map { directory in
        (mine: directory + "/" + (environment["FLECHE_WORKER_NAME"] ?? "a"),
         peer: directory + "/" + (environment["FLECHE_WORKER_PEER"] ?? "b"))
    }
    var slowest = Duration.zero
    for i in first..<(first + count) {
        if let gate, i == first + count / 4 {
            _ = FileManager.default.createFile(atPath: gate.mine, contents: nil)
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: gate.peer), Date() < deadline { usleep(1_000) }
            if FileManager.default.fileExists(atPath: gate.peer) { print("overlapped") }
        }
        let started = ContinuousClock.now
        defer { slowest = max(slowest, ContinuousClock.now - started) }
        let correct: Bool
        switch mode {
        case "nested": correct = try nested(i) == Nested.make(i)
        case "slow": correct = try slow(i) == [i, 2 * i]
        case "blob": correct = try blob(i) == Blob.make(i)
        case "large": correct = try large(i) == LargeBlob.make(i)
        default: correct = try square(i) == [i, i * i, i * i * i]
        }
        guard correct else {
            FileHandle.standardError.write(Data("wrong result for \(i)\n".utf8))
            exit(1)
        }
    }
    print("ran \(runs.withLock { $0 })")
    if environment["FLECHE_WORKER_SLOWEST"] != nil {
        func microseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        }
        print("slowest_us \(microseconds(slowest))")
        // Of which waiting on cleanup: gc's lock and another process's trim, longest and in all.
        let waits = CleanupWaits.total
        print("longest_cleanup_wait_us \(microseconds(CleanupWaits.longest))")
        print("cleanup_wait_total_us \(microseconds(waits.wait)) saves \(waits.saves)")
    }
} catch {
    FileHandle.standardError.write(Data("worker: \(error)\n".utf8))
    exit(1)
}
