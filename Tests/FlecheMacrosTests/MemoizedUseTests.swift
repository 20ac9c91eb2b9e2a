import Foundation
import Testing
import FlecheMemoized

/// `@Memoized` functions as users write them: free functions and static methods, sync and
/// async, throwing or not, with dependencies.
let macroCache = Cache.memory()
let bodyRuns = BodyRuns()

final class BodyRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func count(_ name: String) { lock.withLock { counts[name, default: 0] += 1 } }
    subscript(name: String) -> Int { lock.withLock { counts[name, default: 0] } }
}

@CodeDigest
func scaleFactor() -> Double { 2.5 }

@Memoized(cache: macroCache)
func area(width: Double, height: Double) throws -> Double {
    bodyRuns.count("area \(width) \(height)")
    return width * height * scaleFactor()
}

@Memoized("volume-of-box", version: "3", dependsOn: area, scaleFactor, cache: macroCache)
func volume(_ width: Double, _ height: Double, depth: Double) throws -> Double {
    bodyRuns.count("volume")
    return try area(width: width, height: height) * depth
}

@Memoized(cache: macroCache)
func label(_ x: Int) -> String {
    bodyRuns.count("label")
    return "#\(x)"
}

@Memoized(cache: macroCache, singleFlight: .inProcess)
func slowDouble(_ x: Int) async throws -> Int {
    bodyRuns.count("slowDouble")
    try await Task.sleep(nanoseconds: 1_000_000)
    return 2 * x
}

@Memoized(cache: macroCache)
func fibonacci(_ n: Int) -> Int {
    bodyRuns.count("fibonacci")
    return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2)
}

enum Geometry {
    @Memoized(cache: macroCache)
    static func perimeter(sides: Int...) throws -> Int {
        bodyRuns.count("perimeter")
        return sides.reduce(0, +)
    }
}

// The README's example, as written there (the cache comes from `withCache` in the test).
@CodeDigest
func normalize(_ xs: [Double]) -> [Double] { let m = xs.max() ?? 1; return xs.map { $0 / m } }

func expensiveSimulation(_ seed: Int, _ steps: Int) -> [Double] {
    bodyRuns.count("simulate")
    return (0..<4).map { Double(seed + steps + $0) }
}

@Memoized(version: "2", dependsOn: normalize)
func simulate(seed: Int, steps: Int) throws -> [Double] {
    normalize(expensiveSimulation(seed, steps))   // a comment here never changes a key
}

@Suite("@Memoized functions")
struct MemoizedUseTests {
    @Test("a @Memoized function runs its body once per distinct arguments")
    func hitsAndMisses() throws {
        #expect(try area(width: 3, height: 4) == 30)
        #expect(try area(width: 3, height: 4) == 30)
        #expect(bodyRuns["area 3.0 4.0"] == 1)
        #expect(label(7) == "#7" && label(7) == "#7" && bodyRuns["label"] == 1)
        #expect(try Geometry.perimeter(sides: 1, 2, 3) == 6)
        #expect(try Geometry.perimeter(sides: 1, 2, 3) == 6)
        #expect(bodyRuns["perimeter"] == 1)
        // Recursion goes through the memoized function: each n computes once.
        #expect(fibonacci(30) == 832_040)
        #expect(bodyRuns["fibonacci"] == 31)
    }

    @Test("calls are stored with the function's name, module, version, argument names and code digest")
    func storedCalls() throws {
        _ = try volume(1, 2, depth: 3)
        _ = try volume(1, 2, depth: 3)
        #expect(bodyRuns["volume"] == 1)
        let call = try macroCache.query(name: "volume-of-box").only()
        #expect(call.module == "FlecheMacrosTests")
        #expect(call.version == "3")
        #expect(call.argumentNames == ["width", "height", "depth"])
        let code = try #require(call.record.codeDigest)
        // The dependencies' digests join this one: not the digest of its own tokens alone.
        #expect(code == MemoizedCode.digest(own: code.hex, dependencies: []))
        #expect(code == __flecheCode_volume)
        #expect(__flecheCode_volume != __flecheCode_area && __flecheCode_area != __flecheCode_scaleFactor)
    }

    @Test("the README's example: the cache in effect, a version, a helper's code in the key")
    func readmeExample() throws {
        let cache = Cache.memory()
        let a = try withCache(cache) { try simulate(seed: 42, steps: 10_000) }
        let b = try withCache(cache) { try simulate(seed: 42, steps: 10_000) }
        #expect(a == b && a.last == 1 && bodyRuns["simulate"] == 1)
        let call = try cache.query(name: "simulate").only()
        #expect(call.version == "2" && call.argumentNames == ["seed", "steps"])
        #expect(call.record.codeDigest == __flecheCode_simulate)
        #expect(__flecheCode_normalize != __flecheCode_simulate)
    }

    @Test("async functions, with equal concurrent calls running the body once")
    func asyncCalls() async throws {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await slowDouble(21) } }
            for try await value in group { #expect(value == 42) }
        }
        #expect(bodyRuns["slowDouble"] == 1)
    }
}
