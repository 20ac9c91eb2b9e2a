import CThreadStack

/// How much of the calling thread's stack is left, for the recursive decoders: a value nested
/// 2,000 deep (the format's limit) decodes within a release build's frames on any thread
/// with the usual 8 MiB, but a debug build under AddressSanitizer overflowed a test thread's
/// stack with it, and a user's thread may be small. The decoders ask every few dozen levels
/// (``Check``) and refuse the input with an error when the stack runs short, instead of crashing.
package enum StackSpace {
    /// What a decoder keeps in hand below the point where it refuses to go deeper.
    package static let reserve = 256 * 1024

    /// Bytes of stack between this call's frame and the end of the thread's stack (stacks
    /// grow down on every platform Swift runs on), or `nil` if the bounds are unknown.
    package static func remaining() -> Int? {
        Bounds.ofThisThread()?.remaining()
    }

    /// The calling thread's stack, from its lowest address up.
    private struct Bounds: Sendable {
        let lowest: Int
        let size: Int

        static func ofThisThread() -> Bounds? {
            var lowest = 0
            var size = 0
            guard fleche_thread_stack_bounds(&lowest, &size) != 0, lowest != 0, size > 0 else {
                return nil
            }
            return Bounds(lowest: lowest, size: size)
        }

        /// Bytes left below the caller's frame, or `nil` when that frame is not inside these
        /// bounds (a stack the bounds do not describe, such as a coroutine's or a sanitizer's):
        /// then nothing is known and the decoder goes on.
        func remaining() -> Int? {
            let here = Int(bitPattern: UInt(fleche_caller_frame_address()))
            guard here > lowest, here - lowest <= size else { return nil }
            return here - lowest
        }
    }

    /// The stack check of one synchronous decode: the thread's stack bounds are asked at the
    /// first check and kept for the rest of the document, whose recursion stays on one
    /// thread. (Asking at every check cost the value decoder most of its time on the main
    /// thread, where glibc's `pthread_getattr_np` reads and parses `/proc/self/maps`; keeping
    /// the bounds per thread instead, in C thread-local storage, corrupted the heap in the
    /// release test suite, a cause not found, so the bounds live no longer than a document.)
    package struct Check: Sendable {
        private var bounds: Bounds?
        private var asked = false

        /// A check that has not asked for the bounds yet.
        package init() {}

        /// Whether the calling thread has more than ``StackSpace/reserve`` bytes of stack
        /// below this call; `true` when the bounds are unknown.
        package mutating func hasRoom() -> Bool {
            if !asked {
                bounds = Bounds.ofThisThread()
                asked = true
            }
            guard let remaining = bounds?.remaining() else { return true }
            return remaining > StackSpace.reserve
        }
    }
}
