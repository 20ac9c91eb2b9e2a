import Foundation
import Testing
@testable import Fleche
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

final class Box: Codable, @unchecked Sendable {
    var items: [Int]
    init(_ items: [Int]) { self.items = items }
}

struct Failure: Error {}

@Suite("Memoization")
struct MemoizeTests {
    @Test("the body runs once per distinct arguments, in memory and on disk across cache instances")
    func hitsAndMisses() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        func makeFunction(_ cache: Cache) -> Memoized<Int, String, [Double]> {
            memoize("f", version: "1", arguments: ["i", "s"], cache: cache) { (i: Int, s: String) -> [Double] in
                runs.increment()
                return (0..<10).map { Double(i) * 0.5 + Double($0) }
            }
        }
        let f = makeFunction(try Cache(root: directory.path))
        #expect(try f(1, "a") == (0..<10).map { 0.5 + Double($0) })
        #expect(try f(1, "a") == (0..<10).map { 0.5 + Double($0) })
        #expect(runs.value == 1)
        _ = try f(2, "a")
        _ = try f(1, "b")
        #expect(runs.value == 3)
        // A new cache over the same directory (as a later process would open it).
        let g = makeFunction(try Cache(root: directory.path))
        #expect(try g(2, "a") == (0..<10).map { 1.0 + Double($0) })
        #expect(runs.value == 3)
        #expect(try g.contains(1, "b"))
        #expect(try !g.contains(9, "b"))
        #expect(try g.load(1, "a") == (0..<10).map { 0.5 + Double($0) })
        #expect(throws: FlecheError.self) { try g.load(9, "z") }
    }

    @Test("memoized functions of zero to five arguments, sync and async")
    func arities() async throws {
        let cache = Cache.memory()
        let zero = memoize("zero", cache: cache) { () -> Int in 7 }
        let three = memoize("three", cache: cache) { (a: Int, b: String, c: [Int]) -> String in "\(a)\(b)\(c.count)" }
        let five = memoize("five", cache: cache) { (a: Int, b: Int, c: Int, d: Int, e: Int) -> Int in a + b + c + d + e }
        let runs = Counter()
        let asyncFunction = memoize("async", cache: cache) { (a: Int) async throws -> Int in
            runs.increment()
            try await Task.sleep(nanoseconds: 1_000)
            return a * 2
        }
        #expect(try zero() == 7)
        #expect(try three(1, "x", [1, 2]) == "1x2")
        #expect(try five(1, 2, 3, 4, 5) == 15)
        #expect(try await asyncFunction(21) == 42)
        #expect(try await asyncFunction(21) == 42)
        #expect(runs.value == 1)
        #expect(try cache.query(CallTemplate()).count() == 4)
        #expect(try cache.query(name: "three").first?.argumentNames == ["arg0", "arg1", "arg2"])
    }

    @Test("mutating an argument inside the body does not change the stored key or argument")
    func mutationInsideBody() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let f = memoize("append", arguments: ["box"], cache: cache) { (box: Box) -> Int in
            runs.increment()
            box.items.append(99)
            return box.items.count
        }
        let box = Box([1, 2])
        let keyBefore = try f.digest(Box([1, 2]))
        #expect(try f(box) == 3)
        #expect(box.items == [1, 2, 99])
        let stored = try #require(try cache.query(name: "append").first)
        #expect(stored.key == keyBefore)
        #expect(try stored.argument("box", as: Box.self).items == [1, 2])
        #expect(try f(Box([1, 2])) == 3)
        #expect(runs.value == 1)
    }

    @Test("ignored arguments are left out of the key and record")
    func ignored() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let f = memoize("f", arguments: ["x", "verbose"], ignoring: ["verbose"], cache: cache) { (x: Int, verbose: Bool) -> Int in
            runs.increment()
            return x + 1
        }
        #expect(try f(1, true) == 2)
        #expect(try f(1, false) == 2)
        #expect(runs.value == 1)
        #expect(try f.digest(1, true) == f.digest(1, false))
        #expect(try cache.query(CallTemplate()).first?.argumentNames == ["x"])
    }

    @Test("a nil required argument runs uncached every time")
    func required() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let r = memoize("r", arguments: ["x", "seed"], requiring: ["seed"], cache: cache) { (x: Int, seed: Int?) -> Int in
            runs.increment()
            return x + (seed ?? 0)
        }
        _ = try r(1, nil)
        _ = try r(1, nil)
        #expect(runs.value == 2)
        _ = try r(1, 0)
        _ = try r(1, 0)
        #expect(runs.value == 3)
        #expect(try cache.query(CallTemplate()).count() == 1)
    }

    @Test("a throwing body stores nothing and the error propagates")
    func throwingBody() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let f = memoize("boom", cache: cache) { (x: Int) throws -> Int in
            runs.increment()
            throw Failure()
        }
        #expect(throws: Failure.self) { try f(1) }
        #expect(throws: Failure.self) { try f(1) }
        #expect(runs.value == 2)
        #expect(try !f.contains(1))
        #expect(try cache.query(CallTemplate()).isEmpty)
    }

    @Test("mismatched argument names are a typed error")
    func badArgumentNames() throws {
        let f = memoize("f", arguments: ["only"], cache: Cache.memory()) { (a: Int, b: Int) -> Int in a + b }
        #expect(throws: FlecheError.self) { try f(1, 2) }
    }

    @Test("version, name and module are part of the key; withCache picks the cache")
    func identity() throws {
        let cache = Cache.memory()
        let v1 = memoize("f", version: "1") { (x: Int) -> Int in x }
        let v2 = memoize("f", version: "2") { (x: Int) -> Int in x }
        let other = memoize("f", module: "Other", version: "1") { (x: Int) -> Int in x }
        try withCache(cache) {
            #expect(try v1.digest(1) != v2.digest(1))
            #expect(try v1.digest(1) != other.digest(1))
            _ = try v1(1)
            #expect(try cache.query(CallTemplate()).first?.module == "FlecheTests")
        }
    }

    @Test("runtime metadata is recorded; environment and git on request")
    func metadata() throws {
        let cache = Cache.memory()
        let f = memoize("f", metadata: [RuntimeCollector(), EnvironmentCollector(), GitCollector(), TagsCollector(["project": .string("alpha")])], cache: cache) { (x: Int) -> Int in x }
        _ = try f(1)
        let call = try #require(try cache.query(CallTemplate()).first)
        let runtime = try #require(call.metadata["runtime"])
        let start = try #require(runtime["timestart"]?.doubleValue)
        let stop = try #require(runtime["timestop"]?.doubleValue)
        #expect(start <= stop)
        #expect((runtime["walltime"]?.doubleValue ?? -1) >= 0)
        #expect(call.metadata["environment"]?["hostname"]?.stringValue?.isEmpty == false)
        #expect(call.metadata["git"]?["commit"] != nil)
        #expect(try cache.query(metadata: ["tags": ["project": .string("alpha")]]).count() == 1)
        #expect(try cache.query(metadata: ["tags": ["project": nil]]).count() == 1)
        #expect(try cache.query(metadata: ["tags": ["project": .string("beta")]]).isEmpty)
        #expect(try cache.query(metadata: ["nope": [:]]).isEmpty)
    }

    @Test("a result that cannot be stored is still returned; an unwritable store degrades to uncached runs")
    func degradedStore() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        let f = memoize("f", cache: cache) { (x: Int) -> [Double] in
            runs.increment()
            return Array(repeating: Double(x), count: 100)  // an object, not inline
        }
        // Make the store unwritable by replacing tmp/ with a file (works as root, too).
        try FileManager.default.removeItem(atPath: directory.sub("tmp"))
        _ = FileManager.default.createFile(atPath: directory.sub("tmp"), contents: Data())
        #expect(try f(2) == Array(repeating: 2, count: 100))
        #expect(try f(2) == Array(repeating: 2, count: 100))
        #expect(runs.value == 2)
        #expect(try !f.contains(2))
    }

    @Test("a stored result of another type is a miss that recomputes")
    func changedResultType() throws {
        let cache = Cache.memory()
        let old = memoize("f", module: "M", version: "1", cache: cache) { (x: Int) -> String in "s\(x)" }
        let new = memoize("f", module: "M", version: "1", cache: cache) { (x: Int) -> Int in x }
        _ = try old(1)
        #expect(try new(1) == 1)
        #expect(try old(1) == "s1")
    }
}

@Suite("Memoized keys")
struct MemoizedKeyTests {
    @Test("a memoized function's key is the call key of docs/FORMAT.md, for both algorithms", arguments: DigestAlgorithm.allCases)
    func keyMatchesCallKey(algorithm: DigestAlgorithm) throws {
        let cache = try Cache(values: MemoryValueStorage(algorithm: algorithm), calls: MemoryCallStorage(algorithm: algorithm))
        let f = memoize("f", module: "M", version: "3", arguments: ["i", "s"], cache: cache) { (i: Int, s: String) -> Int in i }
        for (i, s) in [(1, "a"), (2, "b"), (1, "b")] {
            let expected = Call(
                name: "f", module: "M", version: "3",
                arguments: [.init(name: "i", value: .int(Int128(i))), .init(name: "s", value: .string(s))]
            ).key(using: algorithm)
            #expect(try f.digest(i, s) == expected)
            _ = try f(i, s)
            #expect(try cache.contains(expected))
        }
    }
}
