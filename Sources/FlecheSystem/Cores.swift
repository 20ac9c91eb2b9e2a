import Dispatch

/// Work spread over the machine's cores.
package enum Cores {
    /// Runs `body` once for each index in `0..<iterations`, on every core, and returns when
    /// all have run. Unlike `DispatchQueue.concurrentPerform`, `body` may capture buffers and
    /// state that are not `Sendable`: the caller guarantees that the iterations do not touch
    /// the same bytes (each its own slice of a buffer, say) or go through a lock.
    package static func perform(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: iterations) { body($0) }
        }
    }
}
