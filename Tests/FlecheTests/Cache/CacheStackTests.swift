import Foundation
import Testing
@testable import Fleche
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

@Suite("Stacks, pools and size limits")
struct CacheStackTests {
    @Test("a hit in the bottom layer runs no body and is copied to the top with its metadata (40)")
    func backfill() throws {
        let top = Cache.memory()
        let bottom = Cache.memory()
        let runs = Counter()
        _ = try scenarioFunction(bottom, runs: runs)(1, "a")
        let key = try scenarioFunction(bottom, runs: runs).digest(1, "a")
        let stack = try bottom.push(top)
        #expect(stack.layers.count == 2 && stack.layers[0] === top)
        let f = scenarioFunction(stack, runs: runs)
        #expect(try f(1, "a") == scenarioResult(1))
        #expect(runs.value == 1)
        #expect(try top.contains(key))
        #expect(try top.load(key).metadata == bottom.load(key).metadata)
        #expect(try top.load(key).result(as: [Double].self) == scenarioResult(1))
        for argument in try top.load(key).record.arguments where argument.value.inline == nil {
            #expect(try top.values.contains(argument.value.digest))
        }
    }

    @Test("three file stores, hit in the last: back-fill lands in layer 0 once, even with 8 concurrent loaders")
    func threeFileStores() async throws {
        let directories = try (0..<3).map { _ in try TemporaryDirectory() }
        let caches = try directories.map { try Cache(root: $0.path) }
        let runs = Counter()
        let g = memoize("g", arguments: ["x"], metadata: [RuntimeCollector(), TagsCollector(["run": .string("r1")])],
                        cache: caches[2]) { (x: [Int]) -> [String: [Int]] in
            runs.increment()
            return ["doubled": x.map { $0 * 2 }, "squared": x.map { $0 * $0 }]
        }
        let argument = Array(0..<50)
        let expected = try g(argument)
        let key = try g.digest(argument)
        let counting = CountingCache(caches[0])
        let stack = try CacheStack([counting, caches[1], caches[2]])
        let results = try await withThrowingTaskGroup(of: [String: [Int]].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try stack.load(key).result(as: [String: [Int]].self)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8 && results.allSatisfy { $0 == expected })
        #expect(counting.saves.value == 1)
        #expect(runs.value == 1)
        #expect(try !caches[1].contains(key))
        // Layer 0 now holds the call with its metadata, values as objects of its own store.
        let copy = try Cache(root: directories[0].path).load(key)
        #expect(copy.metadata == (try caches[2].load(key).metadata))
        #expect(copy.metadata["tags"]?["run"] == .string("r1"))
        #expect(try copy.result(as: [String: [Int]].self) == expected)
        #expect(try caches[0].store!.objects.keys().count == caches[2].store!.objects.keys().count)
    }

    @Test("new calls land in the first layer only; evict removes every copy; query has no duplicates; stacks do not nest (41)")
    func composition() throws {
        let a = Cache.memory()
        let b = Cache.memory()
        let runs = Counter()
        _ = try scenarioFunction(b, runs: runs)(1, "x")
        _ = try scenarioFunction(a, runs: runs)(1, "x")
        let stack = try CacheStack([a, b])
        let f = scenarioFunction(stack, runs: runs)
        _ = try f(2, "x")
        #expect(try a.contains(f.digest(2, "x")) && !b.contains(f.digest(2, "x")))
        #expect(try stack.query().count() == 2)
        #expect(try stack.evict(f.digest(1, "x")))
        #expect(try !a.contains(f.digest(1, "x")) && !b.contains(f.digest(1, "x")))
        expectFlecheError("invalidArguments") { _ = try CacheStack([a, stack]) }
        #expect(try stack.push(Cache.memory()).layers.count == 3)
    }

    @Test("query().evict() through a stack leaves no copy in any layer")
    func queryEvictEveryLayer() throws {
        let a = Cache.memory()
        let b = Cache.memory()
        let runs = Counter()
        for cache in [a, b] { for i in 0..<3 { _ = try scenarioFunction(cache, runs: runs)(i, "s") } }
        let stack = try CacheStack([a, b])
        #expect(try stack.query(arguments: ["i": .equals(1)]).evict().count == 1)
        #expect(try a.query().count() == 2 && b.query().count() == 2)
        #expect(try stack.query(arguments: ["i": .equals(1)]).isEmpty)
    }

    @Test("withCache(stacking:) puts a cache in front of the one in effect: hits below are copied up, misses land in front")
    func stackingContext() throws {
        let below = Cache.memory()
        let front = Cache.memory()
        let runs = Counter()
        let f = scenarioFunction(nil, runs: runs)
        try withCache(below) {
            _ = try f(1, "a")
            try withCache(stacking: front) {
                _ = try f(1, "a")
                _ = try f(2, "a")
            }
        }
        #expect(runs.value == 2)
        #expect(try front.contains(scenarioFunction(front, runs: runs).digest(1, "a")))
        #expect(try front.query().count() == 2 && below.query().count() == 1)
    }

    @Test("a value key shrinks and expands through a stack, against every layer's keys")
    func shrinkValueKey() throws {
        let a = Cache.memory()
        let b = Cache.memory()
        let value = Value.array((0..<20).map { .int($0) })
        let digest = value.digest(using: .sha256)
        try b.values.save(value, key: digest)
        let stack = try CacheStack([a, b])
        let short = try stack.shrink(digest)
        #expect(short.count >= 4 && digest.hex.hasPrefix(short))
        #expect(try stack.expand(short) == digest)
        #expect(try stack.loadValue(short) == value)
    }

    @Test("a read-only first layer still serves hits; the failed back-fill is only logged (42)")
    func readOnlyFront() throws {
        let front = Cache.memory()
        let back = Cache.memory()
        let runs = Counter()
        _ = try scenarioFunction(back, runs: runs)(1, "a")
        let stack = try CacheStack([front.readonly(), back])
        #expect(try scenarioFunction(stack, runs: runs)(1, "a") == scenarioResult(1))
        #expect(runs.value == 1)
        #expect(try !front.contains(scenarioFunction(back, runs: runs).digest(1, "a")))
    }

    @Test("a pool loads from any member, is read-only and never back-fills (46)")
    func pool() throws {
        let a = Cache.memory()
        let b = Cache.memory()
        let runs = Counter()
        _ = try scenarioFunction(a, runs: runs)(1, "a")
        _ = try scenarioFunction(b, runs: runs)(2, "a")
        let pool = try CachePool([a, b])
        let f = scenarioFunction(pool, runs: runs)
        #expect(try f(1, "a") == scenarioResult(1) && f(2, "a") == scenarioResult(2))
        #expect(runs.value == 2)
        #expect(try !a.contains(f.digest(2, "a")))
        expectFlecheError("rejected") { try pool.save(Call(name: "g", result: .int(1))) }
        expectFlecheError("rejected") { try pool.evict(f.digest(1, "a")) }
        _ = try f(3, "a")
        #expect(runs.value == 3)
        #expect(try pool.query().count() == 2)
    }

    @Test("size-limited: 12 calls into max 5 keep 5 records and all values; reopened over the limit, it waits for a save (43)")
    func sizeLimited() throws {
        let base = Cache.memory()
        let limited = try SizeLimitedCache(base, maxSize: 5)
        let runs = Counter()
        let f = scenarioFunction(limited, runs: runs)
        for i in 0..<12 { _ = try f(i, "s") }
        #expect(try base.callKeys().count == 5)
        #expect(try base.values.keys().count == 25)  // values stay: 12 results, 12 distinct i, one "s"
        #expect(try f.contains(11, "s"))

        let small = Cache.memory()
        for i in 0..<3 { _ = try scenarioFunction(small, runs: runs)(i, "t") }
        let reopened = try SizeLimitedCache(small, maxSize: 2)
        #expect(try reopened.count == 3 && small.callKeys().count == 3)
        _ = try scenarioFunction(reopened, runs: runs)(9, "t")
        #expect(try small.callKeys().count == 2)
        expectFlecheError("invalidArguments") { _ = try SizeLimitedCache(small, maxSize: 0) }
    }

    @Test("least-recently-used eviction keeps the calls hit most recently")
    func leastRecentlyUsed() throws {
        let base = Cache.memory()
        let limited = try SizeLimitedCache(base, maxSize: 3, policy: LeastRecentlyUsedEviction())
        let runs = Counter()
        let f = scenarioFunction(limited, runs: runs)
        for i in 0..<3 { _ = try f(i, "s") }   // saved 0, 1, 2
        _ = try f(0, "s")                       // a hit: 0 is now the most recent
        _ = try f(3, "s")                       // evicts 1, the least recently used
        #expect(runs.value == 4)
        #expect(try f.contains(0, "s") && !f.contains(1, "s") && f.contains(2, "s") && f.contains(3, "s"))
        _ = try f(2, "s")
        _ = try f(4, "s")                       // evicts 0
        #expect(try !f.contains(0, "s") && f.contains(2, "s") && f.contains(3, "s") && f.contains(4, "s"))
    }

    @Test("size-limited under 8 threads × 200 new calls: exactly the limit stays, every result still returned")
    func sizeLimitedConcurrent() throws {
        let directory = try TemporaryDirectory()
        let base = try Cache(root: directory.path)
        let limited = try SizeLimitedCache(base, maxSize: 50)
        let runs = Counter()
        let f = scenarioFunction(limited, runs: runs)
        let wrong = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<200 where (try? f(thread * 1_000 + i, "c")) != scenarioResult(thread * 1_000 + i) {
                wrong.increment()
            }
        }
        #expect(wrong.value == 0)
        #expect(runs.value == 1_600)
        #expect(limited.count == 50)
        #expect(try base.callKeys().count == 50)
    }
}
