import Foundation
import Testing
@testable import FlecheSystem
@testable import FlecheValue

/// The recursive decoders check the stack left on their thread, so that a document nested
/// to the format's limit on a small-stack thread is an error, not a crash.
@Suite("Deep nesting on small stacks")
struct StackDepthTests {
    /// Runs `body` on a new thread with a stack of exactly `size` bytes and waits for it. The
    /// stack is memory of our own: glibc gives a new thread a cached stack up to four times
    /// the size asked for, which made a "small" thread here sometimes a 1 MiB one.
    func onThread<T: Sendable>(stack size: Int, _ body: @escaping @Sendable () -> T) -> T {
        let result = Locked<T?>(nil)
        let job = ThreadJob {
            let value = body()
            result.withLock { $0 = value }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        let stack = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16 * 1024)
        defer { stack.deallocate() }
        pthread_attr_setstack(&attributes, stack, size)
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { context in
            Unmanaged<ThreadJob>.fromOpaque(context!).takeUnretainedValue().body()
            return nil
        }, Unmanaged.passUnretained(job).toOpaque())
        precondition(status == 0, "pthread_create: \(status)")
        pthread_join(thread, nil)
        return result.withLock { $0! }
    }

    static let deepJSON = Array((String(repeating: "[", count: 1_999) + String(repeating: "]", count: 1_999)).utf8)
    static let deepValue: [UInt8] = {
        var value = Value.int(1)
        for _ in 0..<1_999 { value = .array([value]) }
        return ValueCodec.encode(value)
    }()

    /// A stack 32 KiB over the reserve: 2,000 levels of any decoder take more than that.
    @Test("with 32 KiB of stack over the reserve, 2,000-deep JSON and values are refused for the stack; with 8 MiB they decode")
    func smallStackRefusesDeepDocuments() {
        // Built here: encoding a value is recursive too, and a static is built where first used.
        _ = (Self.deepJSON, Self.deepValue)
        let small = onThread(stack: StackSpace.reserve + 32 * 1024) { () -> [String] in
            var reasons: [String] = []
            do { _ = try JSON.parse(Self.deepJSON) } catch { reasons.append("\(error)") }
            do {
                let wrapped = Array(#"{"skipped": "#.utf8) + Self.deepJSON + Array("}".utf8)
                _ = try wrapped.withUnsafeBytes { try JSON.parseMembers($0, keep: []) }
            } catch { reasons.append("\(error)") }
            do { _ = try ValueCodec.decode(Self.deepValue) } catch { reasons.append("\(error)") }
            return reasons
        }
        #expect(small.count == 3, "\(small)")
        for reason in small { #expect(reason.contains("stack"), "\(reason)") }

        let large = onThread(stack: 8 * 1024 * 1024) { () -> Bool in
            (try? JSON.parse(Self.deepJSON)) != nil && (try? ValueCodec.decode(Self.deepValue)) != nil
        }
        #expect(large)
    }

    @Test("StackSpace knows the bounds of a new thread's stack")
    func remainingIsWithinTheStack() {
        let remaining = onThread(stack: 1024 * 1024) { StackSpace.remaining() }
        let bytes = remaining ?? 0
        #expect(bytes > 900 * 1024 && bytes <= 1024 * 1024, "\(String(describing: remaining))")
    }
}

/// A body to run on a new thread, passed through `pthread_create`'s context pointer.
private final class ThreadJob: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
