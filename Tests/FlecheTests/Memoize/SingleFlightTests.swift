import Foundation
import Testing
@testable import Fleche
@testable import FlecheSystem

/// Equal calls that miss at the same moment run the body once. Each body here waits until
/// the other callers have joined its flight (``InFlightCalls/followers(of:)``), so every
/// test has all its callers waiting at once, whatever the scheduler does.
@Suite("Single flight within a process")
struct SingleFlightTests {
    /// Waits (polling, at most 20 s) until `condition` holds.
    static func waitUntil(_ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { throw CancellationError() }
            usleep(1_000)
        }
    }

    /// The same from an async body: it sleeps instead of blocking, so that the callers it
    /// waits for can run on the cooperative pool's threads (two on this machine, shared with
    /// every other test running at once; blocking one failed under ThreadSanitizer).
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    func cache(_ directory: TemporaryDirectory) throws -> Cache { Cache(store: try FileStore(root: directory.sub("store"))) }

    @Test("8 tasks calling an async function with equal arguments run its body once")
    func eightTasks() async throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let key = Locked<Digest?>(nil)
        let slow = memoize("slow", arguments: ["x"], metadata: [], cache: try cache(directory)) { (x: Int) async throws -> [Int] in
            runs.increment()
            let digest = try #require(key.withLock { $0 })
            try await Self.waitUntil { InFlightCalls.shared.followers(of: digest) == 7 }
            return Array(repeating: x, count: 100)
        }
        key.withLock { $0 = try? slow.digest(7) }
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 { group.addTask { try await slow(7) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(runs.value == 1)
        #expect(results.count == 8 && results.allSatisfy { $0 == Array(repeating: 7, count: 100) })
        #expect(InFlightCalls.shared.followers(of: try slow.digest(7)) == 0)
    }

    /// Runs `work` on `count` threads of its own at once; returns what each returned or threw.
    static func onThreads<T: Sendable>(_ count: Int, _ work: @escaping @Sendable () throws -> T) -> [Result<T, Error>] {
        let results = Locked<[Result<T, Error>]>([])
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread {
                let result = Result { try work() }
                results.withLock { $0.append(result) }
                group.leave()
            }.start()
        }
        group.wait()
        return results.withLock { $0 }
    }

    @Test("8 threads calling a function with equal arguments run its body once")
    func eightThreads() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let key = Locked<Digest?>(nil)
        let slow = memoize("slow", arguments: ["x"], metadata: [], cache: try cache(directory)) { (x: Int) throws -> [Int] in
            runs.increment()
            let digest = try #require(key.withLock { $0 })
            try Self.waitUntil { InFlightCalls.shared.followers(of: digest) == 7 }
            return Array(repeating: x, count: 100)
        }
        key.withLock { $0 = try? slow.digest(3) }
        let results = Self.onThreads(8) { try slow(3) }
        #expect(runs.value == 1)
        #expect(results.count == 8 && results.allSatisfy { (try? $0.get()) == Array(repeating: 3, count: 100) })
    }

    struct Failed: Error {}

    @Test("when the body throws, the caller that ran it gets the error and a waiter runs the body itself")
    func leaderFails() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let key = Locked<Digest?>(nil)
        let flaky = memoize("flaky", arguments: ["x"], metadata: [], cache: try cache(directory)) { (x: Int) throws -> [Int] in
            runs.increment()
            let digest = try #require(key.withLock { $0 })
            if runs.value == 1 {
                try Self.waitUntil { InFlightCalls.shared.followers(of: digest) == 7 }
                throw Failed()
            }
            // The second run leads a new flight, which the six others join.
            try Self.waitUntil { InFlightCalls.shared.followers(of: digest) == 6 }
            return Array(repeating: x, count: 100)
        }
        key.withLock { $0 = try? flaky.digest(5) }
        let results = Self.onThreads(8) { try flaky(5) }
        #expect(runs.value == 2, "the first run threw; one waiter ran the body again; the other six hit")
        #expect(results.filter { if case .failure(let error) = $0 { error is Failed } else { false } }.count == 1)
        #expect(results.filter { (try? $0.get()) == Array(repeating: 5, count: 100) }.count == 7)
    }

    @Test("calls with different arguments do not wait for each other")
    func differentKeysRunTogether() throws {
        let directory = try TemporaryDirectory()
        let started = Locked(Set<Int>())
        let both = memoize("both", arguments: ["x"], metadata: [], cache: try cache(directory)) { (x: Int) throws -> [Int] in
            started.withLock { _ = $0.insert(x) }
            // Each body waits for the other's: two flights at once, or a timeout.
            try Self.waitUntil { started.withLock { $0.count == 2 } }
            return Array(repeating: x, count: 100)
        }
        let arguments = Locked([1, 2])
        let results = Self.onThreads(2) { () throws -> [Int] in
            let x = arguments.withLock { $0.removeLast() }
            return try both(x)
        }
        #expect(results.allSatisfy { (try? $0.get()) != nil }, "a body timed out waiting for the other: the calls were serialized")
    }
}
