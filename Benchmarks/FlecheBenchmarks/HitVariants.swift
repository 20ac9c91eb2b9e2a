import Fleche
import Foundation

/// Whether single flight, an event observer or recording uses (the `fstat` a hit makes to
/// refresh an hour-old manifest's mtime for budgets) costs a hit anything: four functions
/// with the same body and arguments (names differ, so keys differ), each filled with N calls,
/// then N hits of each, interleaved over seven rounds (in reverse order every other round, so
/// that no variant always runs first or last); the fastest round of each counts.
/// `use_recording_off` and `use_recording_on` read through two more handles on the same store,
/// opened alike but for `recordsUse` (`false`, `true`): that pair differs in use recording
/// only. The other variants record uses.
///
/// For instruction counts under callgrind, `FLECHE_HIT_VARIANT` keeps one variant and
/// `FLECHE_HIT_ROUNDS` sets the rounds: the difference between a run of R rounds and one of
/// none, divided by R × N, is that variant's instructions per hit.
enum HitVariants {
    static func run(cache: Cache, strings: [String]) throws -> [(String, JSON)] {
        let n = strings.count
        func make(_ name: String, _ singleFlight: SingleFlight, in cache: Cache = cache) -> Memoized<Int, String, [Double]> {
            memoize(name, module: "__main__", arguments: ["i", "s"], cache: cache, singleFlight: singleFlight) {
                (i: Int, s: String) -> [Double] in (0..<10).map { Double(i) * 0.5 + Double($0) }
            }
        }
        let off = make("f_off", .off)
        let on = make("f_on", .default)
        let observed = make("f_observed", .default)
        let root = try cache.fileStore.map(\.root) ?? { throw BenchmarkError("not a file store") }()
        let quiet = make("f_quiet", .default, in: Cache(store: try FileStore(root: root, recordsUse: false)))
        let recording = make("f_recording", .default, in: Cache(store: try FileStore(root: root, recordsUse: true)))
        for f in [off, on, observed, quiet, recording] { for i in 0..<n { _ = try f(i, strings[i]) } }
        var best: [String: Double] = [:]
        let observedCount = Tally()
        let environment = ProcessInfo.processInfo.environment
        let rounds = Int(environment["FLECHE_HIT_ROUNDS"] ?? "") ?? 7
        let variants = [
            ("single_flight_off", off), ("single_flight_on", on), ("observer", observed), ("use_recording_off", quiet),
            ("use_recording_on", recording),
        ].filter { variant in
            environment["FLECHE_HIT_VARIANT"].map { $0 == variant.0 } ?? true
        }
        for round in 0..<rounds {
            for (label, f) in round.isMultiple(of: 2) ? variants : variants.reversed() {
                let observation = label == "observer" ? MemoizationEvents.observe { _ in observedCount.add() } : nil
                let time = try seconds { for i in 0..<n { _ = try f(i, strings[i]) } }
                observation?.cancel()
                best[label] = min(best[label] ?? .infinity, time)
            }
        }
        let observedRounds = variants.contains { $0.0 == "observer" } ? rounds : 0
        guard observedCount.value == observedRounds * n else { throw BenchmarkError("the observer missed events") }
        return best.sorted { $0.key < $1.key }.map { ("hit_\($0.key)_per_call_us", .double($0.value / Double(n) * 1e6)) }
    }
}

/// A count that observers on any thread add to.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
