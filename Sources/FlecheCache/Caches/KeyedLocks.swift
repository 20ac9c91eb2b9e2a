import FlecheStore
import FlecheValue
import Foundation
import FlecheSystem

/// One lock per key, created on demand and dropped when unused, so operations on
/// different keys never wait for each other.
final class KeyedLocks: Sendable {
    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        /// Guarded by the table's mutex.
        var users = 0
    }

    private let table = Locked<[Digest: Entry]>([:])

    func withLock<R>(_ key: Digest, _ body: () throws -> R) rethrows -> R {
        let entry = table.withLock { table in
            let entry = table[key] ?? Entry()
            entry.users += 1
            table[key] = entry
            return entry
        }
        entry.lock.lock()
        defer {
            entry.lock.unlock()
            table.withLock { table in
                entry.users -= 1
                if entry.users == 0 { table[key] = nil }
            }
        }
        return try body()
    }
}
