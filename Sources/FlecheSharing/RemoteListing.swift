/// The calls and objects an rsync listing shows, by relative path, with their sizes.
struct RemoteListing {
    let hexLength: Int
    /// `calls/ab/cd…` → bytes.
    var calls: [String: Int] = [:]
    /// `objects/ab/cd…` → bytes.
    var objects: [String: Int] = [:]

    init(hexLength: Int) { self.hexLength = hexLength }

    /// Reads one line of `rsync --list-only --no-human-readable`:
    /// `-rw-r--r--   123 2026/11/26 06:22:57 calls/ab/cdef…`. Only regular files whose path
    /// is a key's count.
    mutating func add(line: Substring) {
        guard line.first == "-" else { return }
        let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
        guard fields.count == 5, let size = Int(fields[1]) else { return }
        let path = fields[4]
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].utf8.count == 2, parts[2].utf8.count == hexLength - 2,
              (parts[1] + parts[2]).utf8.allSatisfy(Self.isLowercaseHex) else { return }
        switch parts[0] {
        case "calls": calls[String(path)] = size
        case "objects": objects[String(path)] = size
        default: return
        }
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}

import FlecheValue

/// Paths inside a store, relative to its root, as rsync's file lists name them.
enum StorePaths {
    static func object(_ key: Digest) -> String { sharded("objects", key) }
    static func call(_ key: Digest) -> String { sharded("calls", key) }

    private static func sharded(_ folder: String, _ key: Digest) -> String {
        let hex = key.hex
        return "\(folder)/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    /// The key a relative path names (`calls/ab/cd…` → `abcd…`).
    static func key(_ path: String) -> Digest? {
        let parts = path.split(separator: "/")
        guard parts.count == 3 else { return nil }
        return Digest(hex: parts[1] + parts[2])
    }
}
