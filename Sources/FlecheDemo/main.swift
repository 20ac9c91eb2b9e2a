// The `make demo` job: memoizes a visibly slow computation into the default store
// ($FLECHE_STORE, else $XDG_CACHE_HOME/fleche, else ~/.cache/fleche). Run it twice: the
// first process computes (a miss), the second loads the stored result (a hit).
import Fleche
import Foundation

/// Collatz statistics of every start value below `limit`: deliberately slow.
struct CollatzSummary: Codable, Sendable {
    var limit: Int
    var longestStart: Int
    var longestSteps: Int
    var stepHistogram: [Int: Int]
}

let collatz = memoize("collatz", version: "1", arguments: ["limit"]) { (limit: Int) -> CollatzSummary in
    var best = (start: 1, steps: 0)
    var histogram: [Int: Int] = [:]
    for start in 1..<limit {
        var n = start
        var steps = 0
        while n != 1 {
            n = n % 2 == 0 ? n / 2 : 3 * n + 1
            steps += 1
        }
        histogram[steps / 50 * 50, default: 0] += 1
        if steps > best.steps { best = (start, steps) }
    }
    return CollatzSummary(limit: limit, longestStart: best.start, longestSteps: best.steps, stepHistogram: histogram)
}

let limit = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_500_000 : 1_500_000
let store = FileStore.defaultRoot()
do {
    let cache = try Cache(root: store)
    let wasStored = try withCache(cache) { try collatz.contains(limit) }
    let clock = ContinuousClock()
    var summary: CollatzSummary?
    let elapsed = try clock.measure {
        summary = try withCache(cache) { try collatz(limit) }
    }
    let key = try withCache(cache) { try collatz.digest(limit) }
    print("""
        store:   \(store)
        call:    collatz(limit: \(limit))  key \(try cache.shrink(key))
        outcome: \(wasStored ? "HIT  (loaded the stored result)" : "MISS (computed and stored)")
        time:    \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], fractionalPart: .show(length: 1))))
        result:  longest chain starts at \(summary!.longestStart) (\(summary!.longestSteps) steps)
        """)
} catch {
    FileHandle.standardError.write(Data("demo: \(error)\n".utf8))
    exit(1)
}
