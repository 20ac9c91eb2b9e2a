import Fleche
import Foundation

/// `FlecheBenchmarks large DIR N`: the (e) rows alone, N rounds, for `perf record` and for
/// timing a change to the large-value path. Each round saves a 16 MiB random and a 16 MiB
/// compressible `bytes` value into a fresh store (the workload's `save(_:)`, which names the
/// value while it stores it), then loads them; prints the median of each as JSON.
enum LargeValueBenchmark {
    /// The workload's two 16 MiB values: random bytes, and text that compresses about 6×.
    static func values() -> [(label: String, data: Data)] {
        var generator = SystemRandomNumberGenerator()
        let size = 16 << 20
        var random = Data(count: size)
        random.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in words.indices { words[i] = generator.next() }
        }
        let pattern = Array("fleche memoizes pure functions; ".utf8)
        let text = Data((0..<size).map { pattern[$0 % pattern.count] })
        return [("e", random), ("e_compressible", text)]
    }

    static func run(root: String, rounds: Int) throws -> [(String, JSON)] {
        var samples: [String: [Double]] = [:]
        let values = values()
        for round in 0..<rounds {
            let store = try FileStore(root: root + "/large-\(round)")
            for (label, data) in values {
                let value = Value.bytes(data)
                var key: Digest?
                samples["\(label)_save_16MiB_s", default: []].append(try seconds { key = try store.objects.save(value) })
                var back: Value?
                samples["\(label)_load_16MiB_s", default: []].append(try seconds { back = try store.objects.load(key!) })
                guard back == value, key == value.digest(using: store.format.algorithm) else {
                    throw BenchmarkError("\(label) did not round-trip under its digest")
                }
            }
            try FileManager.default.removeItem(atPath: root + "/large-\(round)")
        }
        return samples.keys.sorted().map { name in
            let sorted = samples[name]!.sorted()
            return (name, .double(sorted[sorted.count / 2]))
        }
    }
}
