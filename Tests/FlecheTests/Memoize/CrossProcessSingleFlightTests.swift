import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheSystem

/// Processes sharing a store run a slow call's body once: the one holding the call's lock
/// file computes, the others block on it (the kernel's `/proc/locks` shows them waiting),
/// then read the stored result.
@Suite("Single flight across processes")
struct CrossProcessSingleFlightTests {
    /// How many of `pids` wait for a `flock` now, by `/proc/locks` ("->" marks a waiter).
    static func waitingOnFlock(_ pids: Set<Int32>) -> Int {
        let text = (try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").count { line in
            let fields = line.split(separator: " ")
            guard fields.count > 5, fields[1] == "->", fields[2] == "FLOCK", let pid = Int32(fields[5]) else { return false }
            return pids.contains(pid)
        }
    }

    /// Waits (polling, at most 30 s) until `condition` holds.
    static func waitUntil(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() {
            guard Date() < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            usleep(5_000)
        }
    }

    static func ran(_ result: ProcessResult) -> Int? {
        result.stdout.split(separator: "\n").last { $0.hasPrefix("ran ") }.flatMap { Int($0.dropFirst(4)) }
    }

    @Test("4 processes calling a slow function with equal arguments run its body once; 3 of them wait on the lock")
    func fourProcesses() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        _ = try FileStore(root: root)
        let worker = try builtProduct("FlecheTestWorker")
        let workers = try (0..<4).map { _ in
            try launch(worker, [root, "7", "1", "slow"], environment: ["FLECHE_WORKER_SLEEP": "3000"])
        }
        let pids = Set(workers.map(\.process.processIdentifier))
        try Self.waitUntil("three workers wait on the call's lock") { Self.waitingOnFlock(pids) == 3 }
        let results = workers.map { $0.wait() }
        for result in results { #expect(result.status == 0, "\(result.stderr)") }
        #expect(results.compactMap(Self.ran).reduce(0, +) == 1, "\(results.map(\.stdout))")
        #expect(filesUnder(root + "/locks").isEmpty)
    }

    @Test("a holder killed with kill -9 releases the lock: the waiter computes; a lock no one waits for is removed by gc")
    func killedHolder() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        _ = try FileStore(root: root)
        let worker = try builtProduct("FlecheTestWorker")
        let mark = directory.sub("started")
        let holder = try launch(worker, [root, "3", "1", "slow"], environment: ["FLECHE_WORKER_SLEEP": "60000", "FLECHE_WORKER_MARK": mark])
        try Self.waitUntil("the holder runs the body") { FileManager.default.fileExists(atPath: mark) }
        let waiter = try launch(worker, [root, "3", "1", "slow"], environment: ["FLECHE_WORKER_SLEEP": "10"])
        try Self.waitUntil("the second worker waits on the lock") { Self.waitingOnFlock([waiter.process.processIdentifier]) == 1 }
        kill(holder.process.processIdentifier, SIGKILL)
        _ = holder.wait()
        let result = waiter.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.ran(result) == 1)
        #expect(filesUnder(root + "/locks").isEmpty)

        // A holder killed with no one waiting leaves its file; gc removes it.
        try FileManager.default.removeItem(atPath: mark)
        let lonely = try launch(worker, [root, "4", "1", "slow"], environment: ["FLECHE_WORKER_SLEEP": "60000", "FLECHE_WORKER_MARK": mark])
        try Self.waitUntil("the holder runs the body") { FileManager.default.fileExists(atPath: mark) }
        kill(lonely.process.processIdentifier, SIGKILL)
        _ = lonely.wait()
        #expect(filesUnder(root + "/locks").count == 1)
        let gc = try run(try builtProduct("fleche"), ["gc", "--store", root, "--json"])
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(try JSON.parse(gc.stdout)["removed_call_locks"]?.int64Value == 1)
        #expect(filesUnder(root + "/locks").isEmpty)
    }

    @Test("gc never removes a lock a process holds")
    func gcKeepsHeldLocks() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let key = Digest(hex: String(repeating: "5a", count: 32))!
        guard case .acquired(let lock) = store.lockCall(key, wait: false) else {
            Issue.record("could not take a free lock")
            return
        }
        #expect({ if case .busy = store.lockCall(key, wait: false) { true } else { false } }())
        let report = try GarbageCollector(store: store, gracePeriod: 0).run()
        #expect(report.removedCallLocks == 0)
        #expect(filesUnder(directory.sub("store/locks")) == [key.hex])
        lock.release()
        #expect(filesUnder(directory.sub("store/locks")).isEmpty)
    }

    @Test("an async call waits for the lock without a thread, then computes when its holder lets go without a result")
    func asyncWaiter() async throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let runs = Counter()
        let f = memoize("wait", arguments: ["x"], metadata: [], cache: Cache(store: store), singleFlight: .acrossProcesses) {
            (x: Int) async throws -> Int in
            runs.increment()
            return x + 1
        }
        guard case .acquired(let lock) = store.lockCall(try f.digest(1), wait: false) else {
            Issue.record("could not take a free lock")
            return
        }
        let call = Task { try await f(1) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(runs.value == 0)
        lock.release()
        #expect(try await call.value == 2)
        #expect(runs.value == 1)

        // A waiting task that is cancelled stops waiting.
        guard case .acquired(let held) = store.lockCall(try f.digest(2), wait: false) else {
            Issue.record("could not take a free lock")
            return
        }
        defer { held.release() }
        let cancelled = Task { try await f(2) }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(runs.value == 1)
    }

    @Test("automatic: a function whose last run was fast does not wait on another process; across-processes always does")
    func automaticThreshold() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let fast = memoize("fast", arguments: ["x"], metadata: [], cache: Cache(store: store)) { (x: Int) in x * 3 }
        #expect(try fast(1) == 3)  // first miss: unknown cost, takes the lock; now known to be fast
        guard case .acquired(let lock) = store.lockCall(try fast.digest(2), wait: false) else {
            Issue.record("could not take a free lock")
            return
        }
        #expect(try fast(2) == 6)  // would block for ever if it waited
        lock.release()

        let always = memoize("always", arguments: ["x"], metadata: [], cache: Cache(store: store), singleFlight: .acrossProcesses) {
            (x: Int) in x * 5
        }
        #expect(try always(1) == 5)
        guard case .acquired(let held) = store.lockCall(try always.digest(2), wait: false) else {
            Issue.record("could not take a free lock")
            return
        }
        let done = Locked(false)
        let thread = Thread {
            _ = try? always(2)
            done.withLock { $0 = true }
        }
        thread.start()
        usleep(300_000)
        #expect(done.withLock { $0 } == false)
        held.release()
        try Self.waitUntil("the waiting call returns") { done.withLock { $0 } }
    }
}
