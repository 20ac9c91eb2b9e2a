import CThreadStack

/// How much of the calling thread's stack is left, for the recursive decoders: a value nested
/// 2,000 deep (the format's limit) decodes within a release build's frames on any thread
/// with the usual 8 MiB, but a debug build under AddressSanitizer overflowed a test thread's
/// stack with it, and a user's thread may be small. The decoders ask every few dozen levels
/// and refuse the input with an error when the stack runs short, instead of crashing.
package enum StackSpace {
    /// What a decoder keeps in hand below the point where it refuses to go deeper.
    package static let reserve = 256 * 1024

    /// Whether the calling thread has more than ``reserve`` bytes of stack below this call.
    /// `true` when the thread's stack bounds are unknown.
    package static func isAvailable() -> Bool {
        guard let remaining = remaining() else { return true }
        return remaining > reserve
    }

    /// Bytes of stack between this call's frame and the end of the thread's stack (stacks
    /// grow down on every platform Swift runs on), or `nil` if the bounds are unknown.
    package static func remaining() -> Int? {
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { Int(bitPattern: $0) }
        guard let lowest = lowestAddress() else { return nil }
        return here - lowest
    }

    private static func lowestAddress() -> Int? {
        let address = fleche_thread_stack_lowest_address()
        return address == 0 ? nil : Int(bitPattern: UInt(address))
    }
}
