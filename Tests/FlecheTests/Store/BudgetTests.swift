import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheSystem

/// Size and age budgets: gc evicts the least recently used calls (a hit is a use) until the
/// store fits, then sweeps what they alone reached; writers beside it lose nothing.
@Suite("Budgets")
struct BudgetTests {
    /// 16 KiB of doubles that do not compress, different for every `i`.
    static func payload(_ i: Int) -> [Double] {
        var state = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<2_048).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state % 1_000_000_007) / 7
        }
    }

    static func memoized(_ cache: Cache, runs: Counter) -> Memoized<Int, [Double]> {
        memoize("load", arguments: ["i"], cache: cache) { (i: Int) -> [Double] in
            runs.increment()
            return payload(i)
        }
    }

    /// Sets a call's manifest mtime `age` seconds back: its last use.
    static func setLastUse(_ store: FileStore, _ key: Digest, secondsAgo age: Double) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: store.calls.path(of: key))
    }

    static func diskSize(_ store: FileStore) throws -> Int { try store.statistics().bytesOnDisk }

    @Test("gc with a 1 MiB budget leaves at most 1 MiB, evicting the least recently used; every call left hits")
    func sizeBudget() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let runs = Counter()
        let load = Self.memoized(cache, runs: runs)
        // 100 calls used one minute apart, call 0 the longest ago.
        for i in 0..<100 { _ = try load(i) }
        for i in 0..<100 { try Self.setLastUse(store, try load.digest(i), secondsAgo: Double(100 - i) * 60) }
        #expect(try Self.diskSize(store) > 1_600_000)
        // Calls 0..<5, used more than an hour ago, are used again now: a hit refreshes them.
        for i in 0..<5 { _ = try load(i) }
        #expect(runs.value == 100)

        let report = try GarbageCollector(store: store, budget: StoreBudget(maxSize: 1 << 20)).run()
        let size = try Self.diskSize(store)
        #expect(size <= 1 << 20, "\(size) bytes left")
        #expect(report.projectedSize.map { $0 <= 1 << 20 } == true)
        #expect(report.sizeBefore.map { $0 > 1_600_000 } == true)
        let kept = try Set(store.calls.keys())
        let keptIndices = try (0..<100).filter { kept.contains(try load.digest($0)) }
        // The five used again and the most recent others stay; the oldest unused went first.
        #expect(Array(keptIndices.prefix(5)) == [0, 1, 2, 3, 4], "\(keptIndices)")
        let others = keptIndices.dropFirst(5)
        #expect(!others.isEmpty && others == Array((100 - others.count)..<100)[...], "\(keptIndices)")
        #expect(report.evicted.count == 100 - keptIndices.count)
        // Every call left hits; the store is whole.
        for i in keptIndices { _ = try load(i) }
        #expect(runs.value == 100)
        #expect(try StoreVerifier(store: store).run().isClean)
        // An evicted call is a miss that computes again.
        _ = try load(5)
        #expect(runs.value == 101)
    }

    @Test("gc with an age budget evicts the calls not used within it, and only those")
    func ageBudget() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let runs = Counter()
        let load = Self.memoized(cache, runs: runs)
        for i in 0..<10 { _ = try load(i) }
        for i in 0..<4 { try Self.setLastUse(store, try load.digest(i), secondsAgo: 40 * 86_400) }
        let dry = try GarbageCollector(store: store, dryRun: true, budget: StoreBudget(maxAge: 30 * 86_400)).run()
        #expect(dry.evicted.count == 4)
        #expect(try store.calls.keys().count == 10, "a dry run evicts nothing")
        let report = try GarbageCollector(store: store, budget: StoreBudget(maxAge: 30 * 86_400)).run()
        #expect(Set(report.evicted) == Set(try (0..<4).map { try load.digest($0) }))
        #expect(try store.calls.keys().count == 6)
        // Their result objects went with them, young as they are.
        #expect(try store.objects.keys().count == 6)
        for i in 4..<10 { _ = try load(i) }
        #expect(runs.value == 10)
    }

    @Test("a hit refreshes its manifest's mtime when it is more than an hour old, and only then; recordsUse: false never")
    func hitRecordsUse() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let load = Self.memoized(cache, runs: Counter())
        _ = try load(1)
        _ = try load(2)
        let old = Date().addingTimeInterval(-2 * 3600)
        let recent = Date().addingTimeInterval(-30 * 60)
        func mtime(_ i: Int) throws -> Date {
            try FileManager.default.attributesOfItem(atPath: store.calls.path(of: try load.digest(i)))[.modificationDate] as! Date
        }
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: store.calls.path(of: try load.digest(1)))
        try FileManager.default.setAttributes([.modificationDate: recent], ofItemAtPath: store.calls.path(of: try load.digest(2)))
        _ = try load(1)
        _ = try load(2)
        #expect(try mtime(1).timeIntervalSinceNow > -60, "an hour-old manifest is refreshed by a hit")
        #expect(abs(try mtime(2).timeIntervalSince(recent)) < 1, "a recent one is left alone")

        let quiet = Cache(store: try FileStore(root: store.root, recordsUse: false))
        let loadQuietly = Self.memoized(quiet, runs: Counter())
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: store.calls.path(of: try load.digest(1)))
        _ = try loadQuietly(1)
        #expect(abs(try mtime(1).timeIntervalSince(old)) < 1)
    }

    @Test("4 writer processes beside gc with a small budget in a loop: nothing a writer stores is ever half gone")
    func writersBesideBudget() throws {
        let directory = try TemporaryDirectory()
        _ = try FileStore(root: directory.path)
        let worker = try builtProduct("FlecheTestWorker")
        let fleche = try builtProduct("fleche")
        // On a loaded machine the writers may finish before gc ran twice beside them: then
        // another round of writers (new keys) runs, up to five rounds.
        var gcRuns = 0
        var round = 0
        repeat {
            let writers = try (0..<4).map {
                try launch(worker, [directory.path, String(round * 2_000 + $0 * 500), "600", "nested"])
            }
            while writers.contains(where: { $0.process.isRunning }) {
                let gc = try run(fleche, ["gc", "--prune=now", "--max-size", "200K", "--store", directory.path])
                #expect(gc.status == 0, "\(gc.stderr)")
                gcRuns += 1
            }
            for writer in writers {
                let result = writer.wait()
                // A writer checks every result it gets, hit or miss (exit 1 on a wrong one).
                #expect(result.status == 0, "\(result.stderr)")
            }
            round += 1
        } while gcRuns < 2 && round < 5
        #expect(gcRuns >= 2)
        // No manifest lost an object: eviction removes manifests first, and gc sweeps only
        // what no manifest reaches.
        let verify = try run(fleche, ["verify", "--store", directory.path, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        let final = try run(fleche, ["gc", "--prune=now", "--max-size", "200K", "--store", directory.path, "--json"])
        #expect(try JSON.parse(final.stdout)["projected_size"]?.int64Value.map { $0 <= 200 * 1024 } == true, "\(final.stdout)")
        #expect(try FileStore(root: directory.path).statistics().bytesOnDisk <= 200 * 1024)
    }

    @Test("sizes and durations read as documented; anything else is a clear error")
    func parsing() throws {
        #expect(try StoreBudget.parseSize("50G") == 50 << 30)
        #expect(try StoreBudget.parseSize("1M") == 1 << 20)
        #expect(try StoreBudget.parseSize("1.5K") == 1_536)
        #expect(try StoreBudget.parseSize("2 GiB") == 2 << 30)
        #expect(try StoreBudget.parseSize("4096") == 4_096)
        #expect(try StoreBudget.parseDuration("30d") == 30 * 86_400)
        #expect(try StoreBudget.parseDuration("now") == 0)
        for bad in ["", "G", "-1M", "12X", "1e300T", "nan"] {
            #expect(throws: FlecheError.self, "\(bad)") { try StoreBudget.parseSize(bad) }
        }
        for bad in ["", "soon", "-2d", "3w"] {
            #expect(throws: FlecheError.self, "\(bad)") { try StoreBudget.parseDuration(bad) }
        }
    }

    @Test("a cache's budget in fleche.toml is its store's; fleche gc enforces it; a bad one names the setting")
    func configuredBudget() throws {
        let directory = try TemporaryDirectory()
        let configuration = try FlecheConfiguration(text: """
            [small]
            template = "file"
            root = "store"
            budget = { max_size = "1M", max_age = "30d" }
            """, path: directory.sub("fleche.toml"))
        let store = try #require(try configuration.cache(named: "small").fileStore)
        #expect(store.budget == StoreBudget(maxSize: 1 << 20, maxAge: 30 * 86_400))
        for bad in [#"budget = { max_size = "lots" }"#, #"budget = { max_sise = "1M" }"#, #"budget = "1M""#] {
            let broken = try FlecheConfiguration(text: "[small]\ntemplate = \"file\"\nroot = \"store\"\n\(bad)\n", path: directory.sub("fleche.toml"))
            #expect(throws: FlecheError.self, "\(bad)") { _ = try broken.cache(named: "small") }
        }
        // fleche stats shows the size against the budget.
        let fleche = try builtProduct("fleche")
        try Data("[small]\ntemplate = \"file\"\nroot = \"store\"\nbudget = { max_size = \"1M\" }\n".utf8)
            .write(to: URL(fileURLWithPath: directory.sub("fleche.toml")))
        let stats = try run(fleche, ["stats", "--cache", "small"], in: directory.path)
        #expect(stats.stdout.contains("of 1.0 MiB ("), "\(stats.stdout) \(stats.stderr)")
        let json = try JSON.parse(try run(fleche, ["stats", "--cache", "small", "--json"], in: directory.path).stdout)
        #expect(json["budget"]?["max_size"] == .int(1 << 20))
        // The command line: a bad size is a usage error.
        #expect(try run(fleche, ["gc", "--max-size", "12X", "--store", directory.sub("store")]).status == 64)
        #expect(try run(fleche, ["gc", "--max-age", "soon", "--store", directory.sub("store")]).status == 64)
    }
}
