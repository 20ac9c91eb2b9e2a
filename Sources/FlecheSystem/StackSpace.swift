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
        guard let lowest = lowestAddress() else { return nil }
        return currentAddress() - lowest
    }

    /// An address in the caller's frame (of a local of this function, which is not inlined
    /// away: its frame lies just below the caller's).
    @inline(never)
    private static func currentAddress() -> Int {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { Int(bitPattern: $0) }
    }

    /// The stack check of one synchronous decode: the thread's stack bounds are asked at the
    /// first check and kept for the rest of the document, whose recursion stays on one
    /// thread. (Asking at every check cost the value decoder most of its time on the main
    /// thread, where glibc's `pthread_getattr_np` reads and parses `/proc/self/maps`; keeping
    /// the bounds per thread instead, in C thread-local storage, corrupted the heap in the
    /// release test suite, a cause not found, so the bounds live no longer than a document.)
    package struct Check: Sendable {
        private var lowest: Int?
        private var asked = false

        /// A check that has not asked for the bounds yet.
        package init() {}

        /// Whether the calling thread has more than ``StackSpace/reserve`` bytes of stack
        /// below this call; `true` when the bounds are unknown.
        package mutating func hasRoom() -> Bool {
            if !asked {
                lowest = StackSpace.lowestAddress()
                asked = true
            }
            guard let lowest else { return true }
            return StackSpace.currentAddress() - lowest > StackSpace.reserve
        }
    }

    private static func lowestAddress() -> Int? {
        let address = fleche_thread_stack_lowest_address()
        return address == 0 ? nil : Int(bitPattern: UInt(address))
    }
}
