import Foundation
import Testing
@testable import Fleche

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("8 threads × 1,000 memoized calls on one store: no lost or duplicate records")
    func threads() async throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        let f = memoize("f", arguments: ["i"], cache: cache) { (i: Int) -> [Double] in
            runs.increment()
            return Array(repeating: Double(i), count: 50)
        }
        // Threads overlap on purpose: thread t calls i in t*500 ..< t*500 + 1000.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for thread in 0..<8 {
                group.addTask {
                    for i in (thread * 500)..<(thread * 500 + 1_000) {
                        let result = try f(i)
                        #expect(result == Array(repeating: Double(i), count: 50))
                    }
                }
            }
            try await group.waitForAll()
        }
        let distinct = 7 * 500 + 1_000
        #expect(try cache.calls.keys().count == distinct)
        #expect(Set(try cache.calls.keys()).count == distinct)
        #expect(runs.value >= distinct)  // overlapping misses may both compute, never lose a record
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("tmp")).isEmpty)
        for i in [0, 1234, distinct - 1] { #expect(try f.load(i) == Array(repeating: Double(i), count: 50)) }
    }

    @Test("two processes writing the same store at once")
    func twoProcesses() throws {
        let directory = try TemporaryDirectory()
        let worker = try builtProduct("FlecheTestWorker")
        let a = try launch(worker, [directory.path, "0", "1500"])
        let b = try launch(worker, [directory.path, "500", "1500"])
        let (ra, rb) = (a.wait(), b.wait())
        #expect(ra.status == 0, "\(ra.stderr)")
        #expect(rb.status == 0, "\(rb.stderr)")
        let cache = try Cache(root: directory.path)
        #expect(try cache.calls.keys().count == 2_000)
        // A third process finds everything stored: it runs no body.
        let c = try run(worker, [directory.path, "0", "2000"])
        #expect(c.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ran 0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("tmp")).isEmpty)
    }

    @Test("a store copied with rsync hits on the other side")
    func rsyncCopy() throws {
        let source = try TemporaryDirectory()
        let target = try TemporaryDirectory()
        let worker = try builtProduct("FlecheTestWorker")
        #expect(try run(worker, [source.path, "0", "100"]).stdout.contains("ran 100"))
        let rsync = try run("/usr/bin/env", ["rsync", "-a", source.path + "/", target.path + "/"])
        #expect(rsync.status == 0, "\(rsync.stderr)")
        #expect(try run(worker, [target.path, "0", "100"]).stdout.contains("ran 0"))
    }
}
