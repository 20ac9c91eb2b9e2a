#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether this string's UTF-8 bytes precede `other`'s, byte by byte (the order of
    /// record fields, dictionary keys and the paths of a directory artifact): one `memcmp`
    /// of the contiguous bytes of native strings, where `utf8.lexicographicallyPrecedes`
    /// compares element by element through the generic sequence (a tenth of describing a
    /// 10,000-file tree, perf).
    package func utf8Precedes(_ other: String) -> Bool {
        let fast = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs -> Bool in
                let common = min(mine.count, theirs.count)
                let order = common == 0 ? 0 : memcmp(mine.baseAddress!, theirs.baseAddress!, common)
                return order != 0 ? order < 0 : mine.count < theirs.count
            }
        }
        if let result = fast ?? nil { return result }
        return utf8.lexicographicallyPrecedes(other.utf8)
    }
}
