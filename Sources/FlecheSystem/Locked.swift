#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that threads share, reached only while holding a `pthread_mutex_t`.
///
/// The library's in-process locks are this type rather than the standard library's
/// `Synchronization.Mutex`: on Linux a contended `Mutex` hands the lock to a waiter inside the
/// kernel (a priority-inheritance futex), which ThreadSanitizer does not see, so every
/// contended `Mutex` reads to it as a data race and the sanitized suite could never be clean.
/// ThreadSanitizer intercepts `pthread_mutex_lock`, and an uncontended lock costs the same.
/// docs/FUZZING.md shows the false report.
///
/// The lock is not recursive: calling ``withLock(_:)`` again from inside its body deadlocks.
package final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only read or written between `pthread_mutex_lock` and
    // `pthread_mutex_unlock` on `mutex`, which is allocated once and never moves.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// A lock guarding `value`.
    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock, and returns what it returns.
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
