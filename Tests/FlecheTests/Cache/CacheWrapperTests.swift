import Foundation
import Testing
@testable import Fleche
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

@Suite("Cache operations and wrappers")
struct CacheWrapperTests {
    @Test("evict removes the record, keeps its values; unknown full key is a no-op, unknown prefix an error (31)")
    func evict() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        // A result too large to live inline in the manifest: it is an object of its own.
        let f = memoize("f", arguments: ["i"], cache: cache) { (i: Int) -> [Double] in Array(repeating: Double(i), count: 100) }
        _ = try f(1)
        let key = try f.digest(1)
        let resultDigest = try #require(try cache.load(key).record.result?.digest)
        #expect(try cache.evict(key))
        #expect(try !cache.contains(key))
        #expect(try cache.loadValue(resultDigest) == Value(encoding: Array(repeating: 1.0, count: 100)))
        #expect(try !cache.evict(Digest(hex: String(repeating: "0", count: 64))!))
        #expect(throws: FlecheError.notFound(key: "0000")) { try cache.evict("0000") }
    }

    @Test("a value no call refers to is removed by gc (33)")
    func gcUnreferencedValue() throws {
        let cache = Cache.memory()
        let value = Value.array([.int(1), .string("loose")])
        let digest = value.digest(using: cache.algorithm)
        try cache.values.save(value, key: digest)
        #expect(try cache.gc().removed == [digest])
        expectFlecheError("notFound") { _ = try cache.loadValue(digest) }
    }

    @Test("redigest moves a record filed under a wrong key to its key (34)")
    func redigest() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        let f = scenarioFunction(cache, runs: runs)
        _ = try f(3, "x")
        let key = try f.digest(3, "x")
        let record = try cache.calls.load(key)
        let wrong = Digest(hex: String(repeating: "ab", count: 32))!
        try cache.calls.save(record, key: wrong)
        try cache.calls.evict(key)
        #expect(try !f.contains(3, "x"))
        let moves = try cache.redigest()
        #expect(moves.map(\.from) == [wrong] && moves.map(\.to) == [key])
        #expect(try f.contains(3, "x") && !cache.contains(wrong))
        #expect(try f(3, "x") == scenarioResult(3))
        #expect(runs.value == 1)
        #expect(try cache.redigest().isEmpty)
    }

    @Test("read-only: hits served; a miss returns its result and stores nothing; save and evict are rejected (44)")
    func readOnly() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        _ = try scenarioFunction(cache, runs: runs)(1, "a")
        let before = filesUnder(directory.path)
        let view = cache.readonly()
        let f = scenarioFunction(view, runs: runs)
        #expect(try f(1, "a") == scenarioResult(1))
        #expect(runs.value == 1)
        #expect(try f(2, "a") == scenarioResult(2))
        #expect(try f(2, "a") == scenarioResult(2))
        #expect(runs.value == 3)
        #expect(filesUnder(directory.path) == before)
        let call = Call(name: "g", arguments: [.init(name: "x", value: .int(1))], result: .int(2))
        expectFlecheError("rejected") { try view.save(call) }
        expectFlecheError("rejected") { try view.evict(try f.digest(1, "a")) }
        #expect(try cache.contains(try f.digest(1, "a")))
    }

    @Test("filter: queries, load, contains and expand honour the predicate; writes are rejected (45)")
    func filtered() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let f = scenarioFunction(cache, runs: runs)
        for i in 0...5 { _ = try f(i, "s") }
        let even = cache.filter { try $0.argument("i", as: Int.self) % 2 == 0 }
        #expect(try even.query().count() == 3)
        let odd = try f.digest(1, "s")
        #expect(throws: FlecheError.notFound(key: odd.hex)) { try even.load(odd) }
        #expect(try !even.contains(odd))
        #expect(try even.contains(try f.digest(2, "s")))
        #expect(try !even.contains(String(odd.hex.prefix(12))))
        expectFlecheError("rejected") { try even.save(Call(name: "g", result: .int(1))) }
        expectFlecheError("rejected") { try even.evict(try f.digest(2, "s")) }
        // A memoized function over the view: visible calls hit, hidden ones run (and are not stored).
        let g = scenarioFunction(even, runs: runs)
        _ = try g(2, "s")
        _ = try g(1, "s")
        #expect(runs.value == 7)
        // By template.
        let byName = try cache.filter(CallTemplate(arguments: ["i": .equals(4)]))
        #expect(try byName.query().only().key == f.digest(4, "s"))
        #expect(try byName.table().keys.count == 1)
    }

    @Test("rerun runs the body again, replaces the record, and nested memoized calls recompute")
    func rerun() throws {
        let cache = Cache.memory()
        let innerRuns = Counter()
        let outerRuns = Counter()
        let inner = memoize("inner", arguments: ["x"]) { (x: Int) -> Int in
            innerRuns.increment()
            return x * 2
        }
        let outer = memoize("outer", arguments: ["x"]) { (x: Int) -> Int in
            outerRuns.increment()
            return try inner(x) + 1
        }
        try withCache(cache) {
            #expect(try outer(5) == 11)
            #expect(try outer(5) == 11)
            #expect(outerRuns.value == 1 && innerRuns.value == 1)
            let firstStop = try cache.load(try outer.digest(5)).finishedAt
            #expect(try outer.rerun(5) == 11)
            #expect(outerRuns.value == 2 && innerRuns.value == 2)
            #expect(try cache.load(try outer.digest(5)).finishedAt! >= firstStop!)
            #expect(try outer(5) == 11)
            #expect(outerRuns.value == 2)
        }
    }

    @Test("a void cache runs the body every time (30)")
    func void() throws {
        let runs = Counter()
        let f = scenarioFunction(VoidCache(), runs: runs)
        _ = try f(1, "a")
        _ = try f(1, "a")
        #expect(runs.value == 2)
    }
}

extension Value {
    init<T: Encodable>(encoding value: T) throws { self = try ValueEncoder().encode(value) }
}
