#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Work to do when the process exits normally (`exit`, or returning from `main`): the
/// C library's `atexit`, registered once, running every action registered here in order.
/// A process killed by a signal runs none of them.
package enum ProcessExit {
    private static let actions = Locked<[@Sendable () -> Void]>([])
    private static let registered = Locked(false)

    /// Runs `action` when the process exits normally.
    package static func run(_ action: @escaping @Sendable () -> Void) {
        actions.withLock { $0.append(action) }
        registered.withLock { done in
            guard !done else { return }
            done = true
            atexit { ProcessExit.runAll() }
        }
    }

    private static func runAll() {
        let pending = actions.withLock { actions in
            defer { actions.removeAll() }
            return actions
        }
        for action in pending { action() }
    }
}
