import Foundation
import Testing
@testable import Fleche
@testable import FlecheSystem

/// Every memoized call reports what it did. Observers are process-wide and other suites
/// run at the same time, so each test listens only to its own function's name.
@Suite("Hit and miss events")
struct MemoizationEventTests {
    struct Failure: Error {}

    @Test("an observer sees a miss, a hit, an uncached run and a failure, each with its key and duration; cancel stops it")
    func observer() throws {
        let directory = try TemporaryDirectory()
        let name = "events-\(UUID().uuidString)"
        let seen = Locked([MemoizationEvent]())
        let observation = MemoizationEvents.observe { event in
            if event.function == name { seen.withLock { $0.append(event) } }
        }
        let f = memoize(name, arguments: ["x"], requiring: ["x"], metadata: [], cache: try Cache(root: directory.path)) {
            (x: Int?) throws -> Int in
            if x == 13 { throw Failure() }
            return (x ?? 0) * 2
        }
        #expect(try f(1) == 2)
        #expect(try f(1) == 2)
        #expect(try f(nil) == 0)
        #expect(throws: Failure.self) { try f(13) }
        observation.cancel()
        #expect(try f(2) == 4)

        let events = seen.withLock { $0 }
        #expect(events.map(\.outcome) == [.miss, .hit, .uncached, .failed])
        #expect(events.map(\.key) == [try f.digest(1), try f.digest(1), nil, try f.digest(13)])
        #expect(events.allSatisfy { $0.duration >= .zero && $0.module == "FlecheTests" })
    }

    @Test("an async stream delivers the events of async calls")
    func stream() async throws {
        let directory = try TemporaryDirectory()
        let name = "stream-\(UUID().uuidString)"
        let events = MemoizationEvents.stream()
        let f = memoize(name, arguments: ["x"], metadata: [], cache: try Cache(root: directory.path)) {
            (x: Int) async throws -> [Int] in Array(repeating: x, count: 3)
        }
        _ = try await f(5)
        _ = try await f(5)
        var outcomes: [MemoizationEvent.Outcome] = []
        for await event in events where event.function == name {
            outcomes.append(event.outcome)
            #expect(event.key == (try f.digest(5)))
            if outcomes.count == 2 { break }
        }
        #expect(outcomes == [.miss, .hit])
    }
}
