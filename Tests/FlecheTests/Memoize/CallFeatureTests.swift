import Foundation
import Testing
@testable import Fleche
import FlecheSystem

/// The reference library's remaining call features: a stored value's key passed for an
/// argument, scoped metadata and tags, `Optional` results, and a captured context for work
/// handed to threads.
@Suite("Call features of the reference")
struct CallFeatureTests {
    /// A function whose 1,000-element result is stored as an object, and the key of that
    /// object after one call.
    func storedList(in cache: Cache) throws -> (key: Digest, list: [Int]) {
        let make = memoize("make", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in Array(0..<n) }
        let call = try make.digest(1000)
        _ = try make(1000)
        let reference = try #require(try cache.load(call).record.result)
        return (reference.digest, Array(0..<1000))
    }

    @Test("a stored value's key or prefix passed for an argument calls the function with the value")
    func storedValueArgument() throws {
        let cache = Cache.memory()
        let (key, list) = try storedList(in: cache)
        let runs = Counter()
        let scaled = memoize("scaled", arguments: ["xs", "by"], metadata: [], cache: cache) { (xs: [Int], by: Int) -> Int in
            runs.increment()
            return xs.reduce(0, +) * by
        }
        #expect(try scaled.resolving(.key(key), .value(2)) == 999_000)
        #expect(runs.value == 1)
        // The call is the call with the value itself: same key, so a hit.
        #expect(try scaled(list, 2) == 999_000)
        #expect(runs.value == 1)
        #expect(try scaled.resolving(.keyPrefix(String(key.hex.prefix(6))), .value(2)) == 999_000)
        #expect(try scaled.resolving(.value(list), .value(3)) == 1_498_500)
        #expect(runs.value == 2)

        // Bad keys are errors before the body runs.
        let unknown = Digest(hex: String(repeating: "ab", count: 32))!
        #expect(throws: FlecheError.notFound(key: unknown.hex)) { try scaled.resolving(.key(unknown), .value(2)) }
        #expect(throws: FlecheError.prefixTooShort("abc")) { try scaled.resolving(.keyPrefix("abc"), .value(2)) }
        let wrongType = memoize("wrong", arguments: ["s"], metadata: [], cache: cache) { (s: String) in s }
        #expect {
            try wrongType.resolving(.key(key))
        } throws: { error in
            guard case FlecheError.invalidArguments(let message) = error else { return false }
            return message.contains(key.hex) && message.contains("String")
        }
        #expect(runs.value == 2)
    }

    @Test("an async function resolves stored values too")
    func storedValueArgumentAsync() async throws {
        let cache = Cache.memory()
        let (key, _) = try storedList(in: cache)
        let total = memoize("total", arguments: ["xs"], metadata: [], cache: cache) { (xs: [Int]) async -> Int in xs.reduce(0, +) }
        #expect(try await total.resolving(.key(key)) == 499_500)
    }

    /// The metadata sections recorded with the call of `f` on `x`.
    func sections(_ cache: Cache, _ f: Memoized<Int, Int>, _ x: Int) throws -> Metadata {
        try cache.load(try f.digest(x)).metadata
    }

    @Test("withMetadata replaces or extends the collectors; tags of nested blocks merge; a function's own stay")
    func scopedMetadata() throws {
        let cache = Cache.memory()
        let f = memoize("f", arguments: ["x"], cache: cache) { (x: Int) in x }
        let quiet = memoize("quiet", arguments: ["x"], metadata: [], cache: cache) { (x: Int) in x }

        _ = try f(0)
        #expect(Set(try sections(cache, f, 0).keys) == ["runtime"])

        try withMetadata([TagsCollector(["project": "alpha"])]) {
            _ = try f(1)
            _ = try quiet(1)
        }
        #expect(try sections(cache, f, 1) == ["tags": ["project": "alpha"]])
        #expect(try sections(cache, quiet, 1) == ["tags": ["project": "alpha"]])

        try withMetadata([TagsCollector(["project": "alpha", "run": "1"])], stacking: true) {
            try withTags(["run": "2", "seed": 7]) {
                _ = try f(2)
                _ = try quiet(2)
            }
            _ = try f(3)
        }
        let nested = try sections(cache, f, 2)
        #expect(Set(nested.keys) == ["runtime", "tags"])
        #expect(nested["tags"] == ["project": "alpha", "run": "2", "seed": 7])
        #expect(try sections(cache, quiet, 2) == ["tags": ["project": "alpha", "run": "2", "seed": 7]])
        #expect(try sections(cache, f, 3)["tags"] == ["project": "alpha", "run": "1"])

        // A stacking block inside a replacing one keeps the replacement.
        try withMetadata([TagsCollector(["a": 1])]) {
            try withMetadata([EnvironmentCollector()], stacking: true) { _ = try f(4) }
        }
        #expect(Set(try sections(cache, f, 4).keys) == ["tags", "environment"])

        _ = try f(5)
        #expect(Set(try sections(cache, f, 5).keys) == ["runtime"])
    }

    @Test("withMetadata reaches async calls in its block")
    func scopedMetadataAsync() async throws {
        let cache = Cache.memory()
        let f = memoize("f", arguments: ["x"], metadata: [], cache: cache) { (x: Int) async in x }
        try await withTags(["stage": "async"]) { _ = try await f(1) }
        #expect(try cache.load(try f.digest(1)).metadata == ["tags": ["stage": "async"]])
    }

    @Test("nil results are cached like any other: the body runs once and later calls return nil")
    func optionalResults() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let find = memoize("find", arguments: ["x"], metadata: [], cache: cache) { (x: Int) -> String? in
            runs.increment()
            return x > 0 ? "found \(x)" : nil
        }
        #expect(try find(0) == nil)
        #expect(try find(0) == nil)
        #expect(runs.value == 1)
        #expect(try find.contains(0))
        #expect(try find.load(0) == nil)
        #expect(try cache.load(try find.digest(0)).resultValue() == .null)
        #expect(try find(3) == "found 3")
        #expect(try find(3) == "found 3")
        #expect(runs.value == 2)
    }

    @Test("a captured context and a bound function carry the cache and metadata to a Thread and a DispatchQueue")
    func capturedContext() throws {
        let cache = Cache.memory()
        let runs = Counter()
        let f = memoize("f", arguments: ["x"]) { (x: Int) -> Int in
            runs.increment()
            return x * 10
        }
        let (context, bound) = try withCache(cache) {
            try withTags(["worker": "thread"]) { (CacheContext.capture(), try f.bound()) }
        }
        let done = DispatchSemaphore(value: 0)
        let results = Locked<[Int]>([])
        let thread = Thread {
            // Task-locals of the block above do not reach this thread: the captured context does.
            #expect(CacheContext.capture().cache == nil)
            if let value = try? context.run({ try f(1) }) { results.withLock { $0.append(value) } }
            done.signal()
        }
        thread.start()
        done.wait()
        DispatchQueue.global().async {
            if let value = try? bound(2) { results.withLock { $0.append(value) } }
            done.signal()
        }
        done.wait()
        #expect(results.withLock { $0 } == [10, 20])
        #expect(try withCache(cache) { try f.contains(1) && f.contains(2) })
        for x in [1, 2] {
            let metadata = try cache.load(try withCache(cache) { try f.digest(x) }).metadata
            #expect(metadata["tags"] == ["worker": "thread"])
            #expect(metadata["runtime"] != nil)
        }
        #expect(try withCache(cache) { try f(1) } == 10)
        #expect(runs.value == 2)
    }
}
