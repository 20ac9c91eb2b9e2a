import FlecheSystem
import FlecheValue
import Foundation

/// The calls this process is computing, by key: single flight within a process.
///
/// When callers (threads or tasks) miss on equal arguments at the same moment, the first to
/// arrive runs the body (the leader); the others wait for it to finish, then read the stored
/// result, a hit. A leader whose body throws, or whose result could not be stored, leaves
/// the next waiter to try: it becomes the leader and runs the body itself. Calls with
/// different keys never wait for each other.
///
/// A body that calls its own function with the same arguments again waits for itself; such
/// a body would recurse for ever without a cache too.
final class InFlightCalls: Sendable {
    /// The process's registry.
    static let shared = InFlightCalls()

    /// One call being computed: entered when it starts, left when its leader is done.
    final class Flight: @unchecked Sendable {
        // @unchecked: a DispatchGroup is thread-safe, `followers` is a Locked.
        fileprivate let done = DispatchGroup()
        fileprivate let followers = Locked(0)

        /// Blocks the calling thread until the leader is done.
        func wait() { done.wait() }

        /// Suspends the calling task until the leader is done, without holding a thread.
        func wait() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                done.notify(queue: .global()) { continuation.resume() }
            }
        }
    }

    /// Who a caller is for a key: the one that computes it, or one that waits.
    enum Role {
        case leader(Flight)
        case follower(Flight)
    }

    private let flights = Locked<[Digest: Flight]>([:])

    /// Joins the flight of `key`, starting it when there is none.
    func join(_ key: Digest) -> Role {
        flights.withLock { flights in
            if let flight = flights[key] {
                flight.followers.withLock { $0 += 1 }
                return .follower(flight)
            }
            let flight = Flight()
            flight.done.enter()
            flights[key] = flight
            return .leader(flight)
        }
    }

    /// Ends the leader's flight of `key`: its waiters wake, and the next caller of `key`
    /// starts a new flight.
    func finish(_ key: Digest, _ flight: Flight) {
        flights.withLock { flights in
            if flights[key] === flight { flights[key] = nil }
        }
        flight.done.leave()
    }

    /// How many keys are in flight (for tests).
    var count: Int { flights.withLock { $0.count } }

    /// How many callers have joined the flight of `key` as followers (for tests).
    func followers(of key: Digest) -> Int {
        flights.withLock { $0[key] }?.followers.withLock { $0 } ?? 0
    }
}
