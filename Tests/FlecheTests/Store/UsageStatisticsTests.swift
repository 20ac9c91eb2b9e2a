import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheSystem

/// `fleche stats`'s counters: each process counts in memory and in a file of its own under
/// `stats/`; reading merges them, and folds those of processes that ended into one file.
@Suite("Usage statistics")
struct UsageStatisticsTests {
    static func statsFiles(_ root: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/stats")) ?? []).sorted()
    }

    @Test("hits, misses, stores and bytes written of two processes add up; their files fold into one when they end")
    func twoProcesses() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        let worker = try builtProduct("FlecheTestWorker")
        let first = try run(worker, [root, "0", "5"])
        let second = try run(worker, [root, "3", "5"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        // Both processes wrote their counts when they exited.
        #expect(Self.statsFiles(root).count { $0.hasSuffix(".counts") } == 2)

        let store = try FileStore(root: root)
        let statistics = try store.usageStatistics()
        let square = try #require(statistics.byFunction["FlecheTestWorker.square"], "\(statistics.byFunction)")
        #expect(square.misses == 8)
        #expect(square.hits == 2)
        #expect(square.stores == 8)
        #expect(square.errors == 0)
        let manifests = try store.calls.keys().reduce(0) { $0 + (FileSystem.status(store.calls.path(of: $1))?.size ?? 0) }
        #expect(square.bytesWritten == manifests, "square's results are inline: only manifests were written")
        #expect(statistics.total == square)
        // The ended processes were folded: only the total and the fold lock are left.
        #expect(Self.statsFiles(root) == ["fold.lock", "total.json"])
        #expect(try store.usageStatistics() == statistics)
    }

    @Test("a process's own counts are read while it runs; zeroing keeps what it counts afterwards only")
    func liveProcessAndZero() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let double = memoize("double", arguments: ["x"], cache: cache) { (x: Int) -> Int in 2 * x }
        for x in [1, 2, 1, 1] { _ = try double(x) }
        var counts = try #require(try store.usageStatistics().byFunction["FlecheTests.double"])
        #expect(counts.hits == 2 && counts.misses == 2 && counts.stores == 2 && counts.bytesWritten > 0)
        // This process runs: its file is not folded.
        #expect(Self.statsFiles(store.root).contains { $0.hasSuffix(".counts") })

        try store.zeroUsageStatistics()
        let zeroed = try store.usageStatistics()
        #expect(zeroed.total == CallCounts())
        #expect(zeroed.zeroedAt != nil)
        _ = try double(2)
        _ = try double(3)
        counts = try #require(try store.usageStatistics().byFunction["FlecheTests.double"])
        #expect(counts == CallCounts(hits: 1, misses: 1, stores: 1, bytesWritten: counts.bytesWritten))
    }

    @Test("a process killed with kill -9 keeps the counts it wrote, and its file is folded")
    func killedProcess() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        let mark = directory.sub("mark")
        let worker = try builtProduct("FlecheTestWorker")
        let running = try launch(worker, [root, "0", "2", "slow"], environment: [
            "FLECHE_WORKER_SLOW_FROM": "1", "FLECHE_WORKER_MARK": mark, "FLECHE_WORKER_SLEEP": "60000",
        ])
        #expect(waitUntil(seconds: 30) { FileManager.default.fileExists(atPath: mark) })
        kill(running.process.processIdentifier, SIGKILL)
        _ = running.wait()
        let store = try FileStore(root: root)
        // A process's first count is written at once (the store of the finished call);
        // what it counted within the next second, unwritten when it was killed, is lost.
        let slow = try #require(try store.usageStatistics().byFunction["FlecheTestWorker.slow"])
        #expect(slow.stores == 1)
        #expect(slow.misses <= 1)
        #expect(Self.statsFiles(root) == ["fold.lock", "total.json"])
    }

    @Test("a fold cut short after writing the total counts the folded files once")
    func interruptedFold() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let folder = StatisticsFolder(layout: store.layout)
        try folder.writeCounts(["F.f": CallCounts(hits: 3, misses: 1)], process: "ended")
        try folder.fold()
        #expect(try folder.read().total == CallCounts(hits: 3, misses: 1))
        // As if the fold had been killed before it removed the files it folded.
        try folder.writeCounts(["F.f": CallCounts(hits: 3, misses: 1)], process: "ended")
        #expect(try folder.read().total == CallCounts(hits: 3, misses: 1))
        try folder.fold()
        #expect(try folder.read().total == CallCounts(hits: 3, misses: 1))
        #expect(Self.statsFiles(store.root) == ["fold.lock", "total.json"])
    }

    @Test("a damaged counter file or total counts nothing and fails nothing")
    func damagedFiles() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let folder = StatisticsFolder(layout: store.layout)
        try folder.writeCounts(["F.f": CallCounts(misses: 2)], process: "good")
        try FileManager.default.createDirectory(atPath: folder.directory, withIntermediateDirectories: true)
        try Data("{\"functions\": {\"F.f\": {\"hits\": 5".utf8).write(to: URL(fileURLWithPath: folder.countsPath("cut")))
        #expect(try store.usageStatistics().total == CallCounts(misses: 2))
        try Data([0, 0, 0, 0]).write(to: URL(fileURLWithPath: folder.totalPath))
        #expect(try store.usageStatistics().total == CallCounts())
    }

    @Test("a store whose stats/ cannot be written still memoizes; the process stops counting")
    func unwritableStatistics() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        // A file where the folder should be: no process can create its counter file.
        try Data().write(to: URL(fileURLWithPath: directory.sub("store/stats")))
        let runs = Counter()
        let triple = memoize("triple", arguments: ["x"], cache: cache) { (x: Int) -> Int in
            runs.increment()
            return 3 * x
        }
        #expect(try triple(4) == 12)
        #expect(try triple(4) == 12)
        #expect(runs.value == 1)
    }

    @Test("a program that opens a store 500 times in a loop does not collect exit actions")
    func exitActionsDoNotAccumulate() throws {
        let directory = try TemporaryDirectory()
        _ = try FileStore(root: directory.path)
        let before = ProcessExit.count
        for _ in 0..<500 {
            let store = try FileStore(root: directory.path)
            store.usage.record(.hit, function: "f")
        }
        // Other tests running at the same moment may hold a few stores open.
        #expect(ProcessExit.count < before + 100, "\(ProcessExit.count) exit actions, \(before) before")
    }
}
