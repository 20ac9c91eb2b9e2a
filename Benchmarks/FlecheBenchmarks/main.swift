// Fleche's side of `make bench`: one repetition of the reference's workload in one process,
// on a fresh file store under DIR, printed as one JSON object of seconds (and counts).
//
//   FlecheBenchmarks workload DIR N     (a)–(e) and the floors
//   FlecheBenchmarks growth DIR N       (a)–(d) only, for the growth table
//   FlecheBenchmarks profile DIR N      N misses, then 10 × N hits: run it under `perf record`
//   FlecheBenchmarks profile-hits DIR N   only 20 × N hits (the first run fills DIR's store)
//   FlecheBenchmarks profile-query DIR N  only 20 queries by name over N calls (likewise)
//   FlecheBenchmarks profile-evict DIR N  every call evicted, each beside an unlink in its shard
//   FlecheBenchmarks hit-variants DIR N   N hits with single flight off, on (the default),
//                                         on with an event observer, and through two handles
//                                         alike but for recordsUse; 7 rounds interleaved
//   FlecheBenchmarks artifacts DIR N      file and directory arguments: a 1 GiB file hashed
//                                         against sha256sum, a tree of N files first and
//                                         unchanged against a readdir+lstat walk (Artifacts.swift);
//                                         the file as a result saved and loaded against cp,
//                                         peak memory (ArtifactResults.swift)
//   FlecheBenchmarks profile-tree DIR N   only the unchanged tree of N files, for `perf record`
//   FlecheBenchmarks large DIR N          only the (e) saves and loads, N rounds, medians
//
// Benchmarks/compare.py runs it interleaved with Benchmarks/reference_bench.py.
import Fleche
import Foundation

let arguments = CommandLine.arguments
let modes = ["workload", "growth", "profile", "profile-hits", "profile-query", "profile-evict", "json", "hit-variants", "artifacts", "profile-tree", "large"]
guard arguments.count == 4, let n = Int(arguments[3]), modes.contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: FlecheBenchmarks \(modes.joined(separator: "|")) DIR N\n".utf8))
    exit(2)
}
let mode = arguments[1]
let root = arguments[2]

if mode == "artifacts" || mode == "profile-tree" {
    do {
        if mode == "artifacts" {
            try ArtifactBenchmark.run(root: root, files: n)
        } else {
            try ArtifactBenchmark.profileTree(root: root, files: n)
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("FlecheBenchmarks: \(error)\n".utf8))
        exit(1)
    }
}

func run() throws -> [(String, JSON)] {
    var results: [(String, JSON)] = []
    func record(_ key: String, _ value: Double) { results.append((key, .double(value))) }

    let store = try FileStore(root: root + "/store")
    let cache = Cache(store: store)
    let f = memoize("f", module: "__main__", arguments: ["i", "s"], cache: cache) { (i: Int, s: String) -> [Double] in
        (0..<10).map { Double(i) * 0.5 + Double($0) }
    }
    let strings = (0..<n).map { "s\($0)" }

    if mode == "large" { return try LargeValueBenchmark.run(root: root, rounds: n) }
    if mode == "json" {
        _ = try f(1, strings[1])
        let manifest = try Data(contentsOf: URL(fileURLWithPath: store.calls.path(of: try f.digest(1, strings[1]))))
        return try ManifestReading.compare(manifest: Array(manifest), iterations: n)
    }

    if mode == "hit-variants" { return try HitVariants.run(cache: cache, strings: strings) }

    // Profiles of one path alone, for `perf record`: the store is filled once, then only the
    // path runs, so the profile holds nothing else (no file creation).
    if mode.hasPrefix("profile-") {
        if try store.calls.keys().count < n {
            for i in 0..<n { _ = try f(i, strings[i]) }
            return [("filled", .int(Int64(n)))]
        }
        if mode == "profile-hits" {
            record("profile_hits_s", try seconds { for _ in 0..<20 { for i in 0..<n { _ = try f(i, strings[i]) } } })
        } else if mode == "profile-evict" {
            // Every call evicted, beside an unlink of a file of the same shard (the floor).
            let keys = try (0..<n).map { try f.digest($0, strings[$0]) }
            var evict = 0.0
            var floor = 0.0
            for key in keys {
                let twin = store.calls.path(of: key) + ".floor"
                FileManager.default.createFile(atPath: twin, contents: Data("x".utf8))
                evict += try seconds { try cache.evict(key) }
                floor += seconds { unlink(twin) }
            }
            record("profile_evict_s", evict)
            record("floor_unlink_s", floor)
        } else {
            record("profile_query_s", try seconds { for _ in 0..<20 { _ = try cache.query(name: "f").count() } })
        }
        return results
    }

    // (a) misses and (b) hits, each call beside its floor in the store's own folders.
    let interleaved = try InterleavedFloors.run(
        store: store, count: n, call: { try f($0, strings[$0]) }, key: { try f.digest($0, strings[$0]) })
    record("a_miss_total_s", interleaved.miss)
    record("floor_create_small_file_s", interleaved.createFloor)
    record("b_hit_total_s", interleaved.hit)
    record("floor_read_small_file_s", interleaved.readFloor)
    guard try store.calls.keys().count == n else { throw BenchmarkError("expected \(n) calls") }
    var sample: [Double] = try f(n - 1, strings[n - 1])
    guard sample == (0..<10).map({ Double(n - 1) * 0.5 + Double($0) }) else { throw BenchmarkError("wrong hit") }
    if mode == "profile" {
        record("profile_hits_s", try seconds { for _ in 0..<10 { for i in 0..<n { sample = try f(i, strings[i]) } } })
        return results
    }

    // (c) query by name: count, then load every result; then by name and one argument
    var count = 0
    record("c_query_count_s", try seconds { count = try cache.query(name: "f").count() })
    guard count == n else { throw BenchmarkError("query found \(count)") }
    var loaded: [[Double]] = []
    record("c_query_results_s", try seconds { loaded = try cache.query(name: "f").results(as: [Double].self) })
    guard loaded.count == n else { throw BenchmarkError("loaded \(loaded.count)") }
    record("c_query_by_arg_s", try seconds {
        count = try cache.query(name: "f", arguments: ["i": .equals(n / 2)]).count()
    })
    guard count == 1 else { throw BenchmarkError("query by argument found \(count)") }

    // (d) evict half, then gc (no grace period, as the reference has none)
    let keys = try stride(from: 0, to: n, by: 2).map { try f.digest($0, strings[$0]) }
    record("d_evict_half_s", try seconds { for key in keys { try cache.evict(key) } })
    let objectsBefore = try store.objects.keys().count
    var report: GarbageCollectionReport?
    record("d_gc_s", try seconds { report = try cache.gc(gracePeriod: 0) })
    results.append(("d_values_before_gc", .int(Int64(objectsBefore))))
    results.append(("d_values_evicted", .int(Int64(report?.removed.count ?? 0))))
    guard mode == "workload" else { return results }

    // (e) one 16 MiB incompressible and one 16 MiB compressible value
    let large = LargeValueBenchmark.values()
    let (random, text) = (large[0].data, large[1].data)
    for (label, blob) in large {
        let value = Value.bytes(blob)
        record("\(label)_digest_16MiB_s", seconds { _ = value.digest(using: store.format.algorithm) })
        var key: Digest?
        // Like the reference's `values.save(blob)`: names the value and stores it.
        record("\(label)_save_16MiB_s", try seconds { key = try store.objects.save(value) })
        var back: Value?
        record("\(label)_load_16MiB_s", try seconds { back = try store.objects.load(key!) })
        guard back == value else { throw BenchmarkError("\(label) did not round-trip") }
        let attributes = try FileManager.default.attributesOfItem(atPath: store.objects.path(of: key!))
        results.append(("\(label)_file_size_bytes", .int(Int64((attributes[.size] as? Int) ?? 0))))
    }

    // Throughput floors, same file system and process.
    try FileManager.default.createDirectory(atPath: root + "/floor", withIntermediateDirectories: true)
    record("floor_raw_write_16MiB_s", try Floors.rawWrite(random, in: root + "/floor"))
    record("floor_sha256_16MiB_s", Floors.sha256(random))
    record("floor_xxh3_16MiB_s", Floors.xxh3(random))
    record("floor_zlib1_16MiB_s", Floors.zlibLevel1(text))
    return results
}

do {
    print(JSON.object(try run()).serialized())
} catch {
    FileHandle.standardError.write(Data("FlecheBenchmarks: \(error)\n".utf8))
    exit(1)
}
