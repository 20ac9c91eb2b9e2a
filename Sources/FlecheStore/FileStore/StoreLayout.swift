import FlecheSystem
import FlecheValue
import Synchronization

/// The paths inside one store directory, and the one way anything is written there:
/// a new file in `tmp/`, then `rename` into place.
///
/// ```
/// <root>/FORMAT          store settings (StoreFormat), written once
/// <root>/objects/ab/cd…  value objects (ObjectFile), named by digest: 2 hex chars, then the rest
/// <root>/calls/ab/cd…    call manifests (CallManifest), named by lookup key
/// <root>/tmp/            in-flight writes; never read
/// <root>/gc.lock         shared by writers during a save, exclusive for gc's mark
/// <root>/lost+found/     damaged files moved aside (verify --repair, the hit path, a save)
/// <root>/locks/<key>     a call being computed by a process that others wait for (CallLock)
/// ```
package struct StoreLayout: Sendable {
    let root: String

    var formatPath: String { root + "/FORMAT" }
    var objectsDirectory: String { root + "/objects" }
    var callsDirectory: String { root + "/calls" }
    var tmpDirectory: String { root + "/tmp" }
    var lockPath: String { root + "/gc.lock" }
    var lostAndFoundDirectory: String { root + "/lost+found" }
    /// Read-only copies of stored files that results are hard-linked to (derived, never
    /// transferred: docs/FORMAT.md, "Hard links").
    var linksDirectory: String { root + "/links" }
    var locksDirectory: String { root + "/locks" }

    func objectPath(_ key: Digest) -> String { Self.shardedPath(objectsDirectory, key) }
    func callPath(_ key: Digest) -> String { Self.shardedPath(callsDirectory, key) }

    /// `directory/ab/cdef…`, written in one allocation: gc and verify build one per file
    /// they look at, and the hex string and interpolation this replaces cost 15% of a gc's
    /// instructions.
    private static func shardedPath(_ directory: String, _ key: Digest) -> String {
        var directory = directory
        let bytes = key.bytes
        return directory.withUTF8 { prefix in
            String(unsafeUninitializedCapacity: prefix.count + 2 + bytes.count * 2) { buffer in
                _ = buffer.initialize(fromContentsOf: prefix)
                var index = prefix.count
                buffer[index] = UInt8(ascii: "/")
                index += 1
                for (position, byte) in bytes.enumerated() {
                    buffer[index] = Hex.digits[Int(byte >> 4)]
                    buffer[index + 1] = Hex.digits[Int(byte & 0x0f)]
                    index += 2
                    if position == 0 {
                        buffer[index] = UInt8(ascii: "/")
                        index += 1
                    }
                }
                return index
            }
        }
    }

    /// Calls `body` with `key`'s path inside its sharded directory ("ab/cdef…") as a C
    /// string in a stack buffer: what a read through an open directory needs, with no
    /// `String` made (the manifest read on the hit path).
    static func withShardedName<R>(_ key: Digest, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: CChar.self, capacity: key.bytes.count * 2 + 2) { name in
            var index = 0
            for (position, byte) in key.bytes.enumerated() {
                name[index] = CChar(bitPattern: Hex.digits[Int(byte >> 4)])
                name[index + 1] = CChar(bitPattern: Hex.digits[Int(byte & 0x0f)])
                index += 2
                if position == 0 {
                    name[index] = CChar(bitPattern: UInt8(ascii: "/"))
                    index += 1
                }
            }
            name[index] = 0
            return try body(name.baseAddress!)
        }
    }

    private static let counter = Atomic<Int>(0)
    private static let processTag = "\(FileSystem.processID)-\(UInt32.random(in: 0...UInt32.max))"

    /// A fresh name: unique per process (pid and a random tag) and per call.
    static func uniqueName() -> String {
        "\(processTag)-\(counter.add(1, ordering: .relaxed).newValue)"
    }

    /// A fresh name in `tmp/` (``uniqueName()``).
    func temporaryPath() -> String { "\(tmpDirectory)/\(Self.uniqueName())" }

    /// Writes `bytes` to `target` atomically: readers see the old file or the whole new one,
    /// never a part; a killed process leaves at most a stray file in `tmp/`.
    func writeAtomically(_ bytes: [UInt8], to target: String, durable: Bool) throws {
        try writeAtomically([bytes], to: target, durable: durable)
    }

    /// Writes the concatenation of `parts` to `target` atomically.
    func writeAtomically(_ parts: [[UInt8]], to target: String, durable: Bool) throws {
        switch parts.count {
        case 1:
            try parts[0].withUnsafeBytes { try writeAtomically(parts: [$0], to: target, durable: durable) }
        case 2:
            try parts[0].withUnsafeBytes { first in
                try parts[1].withUnsafeBytes { second in try writeAtomically(parts: [first, second], to: target, durable: durable) }
            }
        default:
            try parts.flatMap { $0 }.withUnsafeBytes { try writeAtomically(parts: [$0], to: target, durable: durable) }
        }
    }

    /// Writes the concatenation of `parts` (memory the caller holds: a value's own storage)
    /// to `target` atomically.
    func writeAtomically(parts: [UnsafeRawBufferPointer], to target: String, durable: Bool) throws {
        let temporary = temporaryPath()
        try creatingTemporaryFolder { try FileSystem.writeNewFile(temporary, parts: parts, durable: durable) }
        try moveIntoPlace(temporary, target)
    }

    /// Runs `create`, which creates a file in `tmp/`, creating `tmp/` first if it is missing.
    func creatingTemporaryFolder<R: ~Copyable>(_ create: () throws -> R) throws -> R {
        try fenced {
            do {
                return try create()
            } catch let error as SystemCallError where error.errno == .noSuchFileOrDirectory {
                try FileSystem.makeDirectories(tmpDirectory)
                return try create()
            }
        }
    }

    /// Renames the finished file `temporary` over `target`, creating the target's shard
    /// folder if it is missing; on failure removes `temporary`.
    func moveIntoPlace(_ temporary: String, _ target: String) throws {
        do {
            // A missing shard folder is created; gc may remove an empty one at any moment
            // where its lock is not shared (another machine on a network file system), so
            // a few rounds are allowed before giving up.
            var attempts = 0
            while try fenced({ try FileSystem.rename(temporary, to: target) }) == .targetDirectoryMissing {
                attempts += 1
                guard attempts <= 8 else { throw FlecheError(SystemCallError(path: target, operation: "rename", errno: .noSuchFileOrDirectory)) }
                try fenced { try FileSystem.makeDirectories(FileSystem.parentDirectory(target)) }
            }
        } catch {
            _ = try? FileSystem.removeFile(temporary)
            throw error
        }
    }

    /// Lists the full keys in a sharded directory, optionally only those starting with
    /// `prefix`; names that are not keys (rsync temp files, `.DS_Store`) are skipped.
    func keys(in directory: String, hexLength: Int, prefix: String = "") throws -> [Digest] {
        let shards: [String]
        if prefix.utf8.count >= 2 {
            shards = [String(prefix.prefix(2))]
        } else {
            shards = (try fenced { try FileSystem.entries(directory) } ?? []).filter { $0.utf8.count == 2 && Hex.isHex($0) && $0.hasPrefix(prefix) }
        }
        // Shards are listed on every core, and each name is parsed from its bytes beside its
        // shard's two characters: a `String` per name, joined to its shard and parsed, was
        // most of listing a million calls (perf).
        let prefixBytes = Array(prefix.utf8)
        var listed = [Result<[Digest], any Error>](repeating: .success([]), count: shards.count)
        listed.withUnsafeMutableBufferPointer { listed in
            Cores.perform(iterations: shards.count) { index in
                listed[index] = Result { try Self.keys(inShard: shards[index], of: directory, hexLength: hexLength, prefix: prefixBytes) }
            }
        }
        return try listed.flatMap { try $0.get() }
    }

    /// The keys of the files in one shard folder whose hex starts with `prefix`.
    private static func keys(inShard shard: String, of directory: String, hexLength: Int, prefix: [UInt8]) throws -> [Digest] {
        var keys: [Digest] = []
        var hex = [UInt8](repeating: 0, count: hexLength)
        hex[0] = shard.utf8.first!
        hex[1] = shard.utf8.dropFirst().first!
        _ = try fenced {
            try FileSystem.forEachEntry(directory + "/" + shard) { name in
                guard name.count == hexLength - 2 else { return }
                hex.withUnsafeMutableBytes { hex in
                    hex.baseAddress!.advanced(by: 2).copyMemory(from: name.baseAddress!, byteCount: name.count)
                    guard prefix.count <= hexLength, hex.prefix(prefix.count).elementsEqual(prefix),
                          let bytes = Digest.parse(UnsafeRawBufferPointer(hex)) else { return }
                    keys.append(Digest(bytes: bytes))
                }
            }
        }
        return keys
    }
}

/// A storage of files sharded by key under one directory of a store (objects or calls):
/// listing, prefix lookup, existence and removal are the same for both.
protocol ShardedFileStorage: KeyedStorage {
    var layout: StoreLayout { get }
    /// The directory whose `ab/cd…` files this storage holds.
    var directory: String { get }
    func path(of key: Digest) -> String
}

extension ShardedFileStorage {
    public func keys() throws -> [Digest] {
        try layout.keys(in: directory, hexLength: algorithm.hexLength)
    }

    public func keys(withPrefix prefix: String) throws -> [Digest] {
        try layout.keys(in: directory, hexLength: algorithm.hexLength, prefix: prefix)
    }

    public func contains(_ key: Digest) throws -> Bool { FileSystem.exists(path(of: key)) }

    /// Removes the file of `key`; returns whether it existed.
    /// - Throws: `FlecheError.io` when the file exists but cannot be removed.
    @discardableResult
    public func evict(_ key: Digest) throws -> Bool { try fenced { try FileSystem.removeFile(path(of: key)) } }
}
