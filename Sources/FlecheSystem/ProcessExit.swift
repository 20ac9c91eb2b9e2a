#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Work to do when the process exits normally (`exit`, or returning from `main`): the
/// C library's `atexit`, registered once, running every action registered here in order.
/// A process killed by a signal runs none of them. An action whose owner goes away first is
/// cancelled, so a program that opens stores in a loop does not collect actions.
package enum ProcessExit {
    /// One registered action, to cancel it.
    package struct Registration: Sendable, Hashable {
        fileprivate let number: Int
    }

    private struct Pending {
        var actions: [Int: @Sendable () -> Void] = [:]
        var next = 0
        var hooked = false
    }

    private static let pending = Locked(Pending())

    /// Runs `action` when the process exits normally.
    @discardableResult
    package static func run(_ action: @escaping @Sendable () -> Void) -> Registration {
        let (number, hook) = pending.withLock { pending -> (Int, Bool) in
            let number = pending.next
            pending.next += 1
            pending.actions[number] = action
            defer { pending.hooked = true }
            return (number, !pending.hooked)
        }
        if hook { atexit { ProcessExit.runAll() } }
        return Registration(number: number)
    }

    /// Forgets the action of `registration` (its owner is gone).
    package static func cancel(_ registration: Registration) {
        _ = pending.withLock { $0.actions.removeValue(forKey: registration.number) }
    }

    /// How many actions are registered (tests).
    package static var count: Int { pending.withLock { $0.actions.count } }

    private static func runAll() {
        let actions = pending.withLock { pending in
            defer { pending.actions.removeAll() }
            return pending.actions.sorted { $0.key < $1.key }.map(\.value)
        }
        for action in actions { action() }
    }
}
