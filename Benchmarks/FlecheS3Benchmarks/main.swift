// The S3 tier's side of `make bench-s3` (Benchmarks/s3_bench.py starts SeaweedFS on loopback
// and runs this once), printed as one JSON object:
//
//   FlecheS3Benchmarks ENDPOINT BUCKET DIR N CALLS
//
// - N misses, then N hits, of the workload's f(i, s) through an S3-only cache;
// - the same N calls through a stack of a new local store in front of that S3 store: the
//   first pass hits S3 and back-fills, the second hits the local store;
// - a local store of CALLS calls (filled under DIR) pushed (`S3Push`) to three fresh
//   prefixes with 1, 8 and 32 requests in flight; the script times `aws s3 sync` of the
//   same folder beside it;
// - the prefix pushed with 32 in flight pulled (`S3Pull`, 32 in flight) into a new folder;
//   the script times `aws s3 sync` of that prefix down to another folder.
// Credentials come from the environment.
import Fleche
import FlecheS3
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 6, let n = Int(arguments[4]), let calls = Int(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: FlecheS3Benchmarks ENDPOINT BUCKET DIR N CALLS\n".utf8))
    exit(2)
}
let endpoint = arguments[1]
let bucket = arguments[2]
let directory = arguments[3]

func seconds(_ work: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try work()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func function(_ cache: any BaseCache) -> Memoized<Int, String, [Double]> {
    memoize("f", module: "__main__", arguments: ["i", "s"], cache: cache) { (i: Int, s: String) -> [Double] in
        (0..<10).map { Double(i) * 0.5 + Double($0) }
    }
}

func store(_ prefix: String, inFlight: Int = 16) throws -> S3Store {
    try S3Store(location: S3Location(endpoint: endpoint, bucket: bucket, prefix: prefix), maximumInFlight: inFlight)
}

do {
    var results: [(String, Double)] = []
    let run = UUID().uuidString.prefix(8).lowercased()
    let strings = (0..<max(n, calls)).map { "s\($0)" }

    let remote = try store("bench-\(run)/calls")
    let f = function(remote.cache)
    results.append(("s3_miss_us", try seconds { for i in 0..<n { _ = try f(i, strings[i]) } } / Double(n) * 1e6))
    results.append(("s3_hit_us", try seconds { for i in 0..<n { _ = try f(i, strings[i]) } } / Double(n) * 1e6))

    let local = try Cache(root: directory + "/stack-\(run)")
    let g = function(try CacheStack([local, remote.cache]))
    results.append(("stack_backfill_us", try seconds { for i in 0..<n { _ = try g(i, strings[i]) } } / Double(n) * 1e6))
    results.append(("stack_local_hit_us", try seconds { for i in 0..<n { _ = try g(i, strings[i]) } } / Double(n) * 1e6))
    let h = function(try CacheStack([try Cache(root: directory + "/stack-miss-\(run)"), remote.cache]))
    results.append(("stack_miss_us", try seconds { for i in n..<(2 * n) { _ = try h(i, "m\(i)") } } / Double(n) * 1e6))

    let source = try Cache(root: directory + "/source")
    let fill = function(source)
    if try source.callKeys().count < calls { for i in 0..<calls { _ = try fill(i, strings[i]) } }
    for inFlight in [1, 8, 32] {
        let target = try store("bench-\(run)/push-\(inFlight)", inFlight: inFlight)
        var sent = 0
        results.append(("push_\(inFlight)_s", try seconds { sent = try S3Push(from: source.fileStore!, to: target).run().calls.count }))
        guard sent == calls else { throw FlecheError.invalidArguments("push sent \(sent) of \(calls) calls") }
    }
    var pulled = 0
    let published = try store("bench-\(run)/push-32", inFlight: 32)
    results.append(("pull_32_s", try seconds { pulled = try S3Pull(into: directory + "/pulled", from: published).run().calls.count }))
    guard pulled == calls else { throw FlecheError.invalidArguments("pull received \(pulled) of \(calls) calls") }
    print("{" + results.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + ", \"run\": \"\(run)\"}")
} catch {
    FileHandle.standardError.write(Data("FlecheS3Benchmarks: \(error)\n".utf8))
    exit(1)
}
