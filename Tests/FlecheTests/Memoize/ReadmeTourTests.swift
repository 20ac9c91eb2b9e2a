import Foundation
import Testing
@testable import Fleche
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

/// The README's API tour, line for line (paths under a temp directory), so it stays true.
@Suite("README tour")
struct ReadmeTourTests {
    @Test("the memoization, query and composition snippets run as written")
    func tour() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        @Sendable func expensiveSimulation(_ seed: Int, _ steps: Int) -> [Double] {
            runs.increment()
            return (0..<8).map { Double(seed * steps + $0) }
        }

        let cache = try Cache(root: directory.sub("data/fleche"))
        let simulate = memoize("simulate", version: "2", arguments: ["seed", "steps", "verbose"],
                               ignoring: ["verbose"], cache: cache) { (seed: Int, steps: Int, verbose: Bool) -> [Double] in
            expensiveSimulation(seed, steps)
        }
        let a = try simulate(42, 10_000, true)
        let b = try simulate(42, 10_000, false)
        #expect(a == b && runs.value == 1)
        #expect(try simulate.contains(42, 10_000, false))
        let key = try simulate.digest(42, 10_000, false)
        let short = try cache.shrink(key)
        #expect(short.count == 4)
        _ = try simulate.rerun(42, 10_000, false)
        #expect(runs.value == 2)
        let why = try simulate.explainMiss(43, 10_000, false)
        #expect(why.nearest.first?.differences.map(\.description) == ["argument 'seed': \(try ValueEncoder().encode(42).digest(using: .sha256).hex.prefix(12)) stored, \(try ValueEncoder().encode(43).digest(using: .sha256).hex.prefix(12)) now"])

        let call = try cache.load(short)
        #expect(try call.result(as: [Double].self) == a)
        let seed: Int = try call.argument("seed")
        #expect(seed == 42)

        for seed in [1, 2, 3] { _ = try simulate(seed, 10_000, false) }
        let queried = try cache.query(name: "simulate", arguments: ["steps": .equals(10_000)])
        #expect(try queried.count() == 4)
        #expect(throws: QueryError.self) { try queried.only() }
        #expect(try queried.sorted(byArgument: "seed", as: Int.self, descending: true).take(3).calls()
            .map { try $0.argument("seed", as: Int.self) } == [42, 3, 2])
        #expect(try queried.latest().argument("seed", as: Int.self) == 3)
        #expect(try queried.grouped { try $0.argument("seed", as: Int.self) % 2 }.count == 2)
        #expect(try queried.results(as: [Double].self).count == 4)
        let seedDigest = String(Value.int(1).digest(using: .sha256).hex.prefix(4))
        #expect(try cache.query(arguments: ["seed": .digestPrefix(seedDigest)], metadata: ["runtime": ["timestop": nil]]).evict().count == 1)
        #expect(try cache.table(arguments: ["seed"], results: true).text().split(separator: "\n").count == 4)

        // Composition: a local store in front of a shared one.
        let local = try Cache(root: directory.sub("local"))
        let shared = try Cache(root: directory.sub("team"))
        let stack = try shared.readonly().push(local)
        #expect(stack.layers.count == 2)
        #expect(stack.layers[0] === local)
        #expect(stack.layers[1] is ReadOnlyCache)
        let stacked = memoize("simulate", version: "2", cache: stack) { (seed: Int) in expensiveSimulation(seed, 1) }
        _ = try stacked(7)
        #expect(try local.query(name: "simulate").count() == 1)
        #expect(try shared.query().count() == 0)
        #expect(try local.query(name: "simulate").transfer(to: shared).transferred.count == 1)
        #expect(try shared.query().count() == 1)
        let recent = try SizeLimitedCache(local, maxSize: 10_000, policy: LeastRecentlyUsedEviction())
        let evens = local.filter { try $0.argument("arg0", as: Int.self) % 2 == 0 }
        let everything = try CachePool([local, shared])
        #expect(recent.count == 1)
        #expect(try evens.query().count() == 0)
        #expect(try everything.query().count() == 1)
    }
}
