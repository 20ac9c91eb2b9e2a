import Foundation
import FlecheSystem
import Testing
@testable import Fleche
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("8 threads × 1,000 memoized calls on one store: no lost or duplicate records")
    func threads() async throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Locked([Int: Int]())
        let f = memoize("f", arguments: ["i"], cache: cache) { (i: Int) -> [Double] in
            runs.withLock { $0[i, default: 0] += 1 }
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
        // Every argument ran; one that only thread 0 or thread 7 calls (0..<500, 4000..<4500)
        // ran exactly once; one that two threads call ran at most twice (two misses at once).
        let counts = runs.withLock { $0 }
        #expect(counts.count == distinct)
        #expect((0..<500).allSatisfy { counts[$0] == 1 } && (4_000..<4_500).allSatisfy { counts[$0] == 1 })
        #expect(counts.values.allSatisfy { $0 <= 2 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("tmp")).isEmpty)
        for i in [0, 1234, distinct - 1] { #expect(try f.load(i) == Array(repeating: Double(i), count: 50)) }
    }

    @Test("two processes writing the same store at once")
    func twoProcesses() throws {
        let directory = try TemporaryDirectory()
        let worker = try builtProduct("FlecheTestWorker")
        let gate = try TemporaryDirectory()
        let a = try launch(worker, [directory.path, "0", "1500"],
                           environment: ["FLECHE_WORKER_GATE": gate.path, "FLECHE_WORKER_NAME": "a", "FLECHE_WORKER_PEER": "b"])
        let b = try launch(worker, [directory.path, "500", "1500"],
                           environment: ["FLECHE_WORKER_GATE": gate.path, "FLECHE_WORKER_NAME": "b", "FLECHE_WORKER_PEER": "a"])
        let (ra, rb) = (a.wait(), b.wait())
        #expect(ra.status == 0, "\(ra.stderr)")
        #expect(rb.status == 0, "\(rb.stderr)")
        // Each waited, a quarter of the way in, until the other had started: they overlapped.
        #expect(ra.stdout.contains("overlapped") && rb.stdout.contains("overlapped"), "\(ra.stdout) \(rb.stdout)")
        let cache = try Cache(root: directory.path)
        #expect(try cache.calls.keys().count == 2_000)
        // A third process finds everything stored: it runs no body.
        let c = try run(worker, [directory.path, "0", "2000"])
        #expect(c.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ran 0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("tmp")).isEmpty)
    }

    @Test("a store copied with rsync hits on the other side", needsRsync)
    func rsyncCopy() throws {
        let source = try TemporaryDirectory()
        let target = try TemporaryDirectory()
        let worker = try builtProduct("FlecheTestWorker")
        #expect(try run(worker, [source.path, "0", "100"]).stdout.contains("ran 100"))
        let rsync = try run(rsyncPath!, ["-a", source.path + "/", target.path + "/"])
        #expect(rsync.status == 0, "\(rsync.stderr)")
        #expect(try run(worker, [target.path, "0", "100"]).stdout.contains("ran 0"))
    }
}
