import FlecheSystem
import FlecheValue

/// A folder of a store's `tmp/` that receives files from another store before they are
/// checked and moved in (`fleche pull`), laid out like a store (`FORMAT`, `objects/`,
/// `calls/`). `fleche push` reads its destination's `FORMAT` into one too.
///
/// The folder is `tmp/incoming-<pid>-<random>-<serial>/`; its process holds `flock` on the
/// folder's `lock` file while it works, so gc removes only folders whose process is gone
/// (a killed pull leaves one behind), and nothing in it is visible to the store's readers
/// until ``moveIn(objects:calls:into:)`` links it into place.
package final class IncomingFolder: Sendable {
    /// The folder.
    package let path: String
    private let lock: FileLock

    /// The name prefix of incoming folders in `tmp/`.
    package static let namePrefix = "incoming-"

    /// Makes a new incoming folder in the `tmp/` of the store at `storeRoot` (the store
    /// itself need not exist yet).
    package convenience init(storeRoot: String) throws {
        try self.init(temporaryIn: StoreLayout(root: FileStore.absolute(storeRoot)).tmpDirectory)
    }

    /// Makes a new incoming folder in `directory` (a store's `tmp/`, or the system's
    /// temporary folder for a dry run into a store that does not exist).
    package init(temporaryIn directory: String) throws {
        let path = FileStore.absolute(directory) + "/" + Self.namePrefix + StoreLayout.uniqueName()
        self.path = path
        lock = try fenced {
            try FileSystem.makeDirectories(path)
            let lock = try FileLock(path: path + "/lock")
            try lock.lockExclusive()
            return lock
        }
    }

    /// The bytes of a file in the folder, or `nil` if it did not arrive.
    package func read(_ relativePath: String) throws -> [UInt8]? {
        try fenced { try FileSystem.readFile(path + "/" + relativePath) }
    }

    /// Writes `bytes` as a new file at `path` inside the folder (its `FORMAT`, or an object or
    /// manifest path of ``openStore(signingKeys:)``'s store), making its shard folder: how a
    /// pull from object storage receives a file. A file already there is an error.
    package func write(_ bytes: [UInt8], at path: String) throws {
        precondition(path.hasPrefix(self.path + "/"), "\(path) is not inside the incoming folder \(self.path)")
        try fenced {
            try FileSystem.makeDirectories(FileSystem.parentDirectory(path))
            try bytes.withUnsafeBytes { try FileSystem.writeNewFile(path, parts: [$0], durable: false) }
        }
    }

    /// Writes `lines` to a new file list in the folder (for `rsync --files-from`) and
    /// returns its path.
    package func writeList(_ lines: [String]) throws -> String {
        let target = path + "/list-" + StoreLayout.uniqueName()
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        try fenced { try bytes.withUnsafeBytes { try FileSystem.writeNewFile(target, parts: [$0], durable: false) } }
        return target
    }

    /// The folder as a store: the `FORMAT` that arrived in it, the objects and manifests,
    /// whose signatures `signingKeys` check (`nil`: `$FLECHE_SECRET_KEY`'s).
    package func openStore(signingKeys: SigningKeys? = nil) throws -> FileStore {
        try FileStore(root: path, create: false, signingKeys: signingKeys)
    }

    /// Moves `objects`, then `calls`, from this folder into `store`, under the store's
    /// shared gc lock (as a writer): an object the store has is dropped, and a manifest the
    /// store has is kept (the arriving one is dropped). Files are linked into place, so a
    /// reader sees each whole or not at all, and every manifest finds its values in place.
    /// - Returns: the calls moved in (not those the store already had).
    package func moveIn(objects: [Digest], calls: [Digest], into store: FileStore) throws -> [Digest] {
        let incoming = try openStore(signingKeys: .noKeys)
        var added: [Digest] = []
        try store.withWriteLock { _ in
            for key in objects {
                _ = try Self.link(incoming.objects.path(of: key), to: store.objects.path(of: key))
            }
            for key in calls where try Self.link(incoming.calls.path(of: key), to: store.calls.path(of: key)) {
                added.append(key)
            }
        }
        return added
    }

    /// Links `source` at `target` unless `target` exists, making its shard folder if needed.
    private static func link(_ source: String, to target: String) throws -> Bool {
        try fenced {
            do {
                return try FileSystem.linkIfAbsent(source, to: target)
            } catch let error as SystemCallError where error.errno == .noSuchFileOrDirectory && FileSystem.exists(source) {
                try FileSystem.makeDirectories(FileSystem.parentDirectory(target))
                return try FileSystem.linkIfAbsent(source, to: target)
            }
        }
    }

    /// The store at `root` that a pull moves calls into: opened, or created with `format`'s
    /// settings (those of the store the calls come from) when it does not exist.
    package static func receivingStore(at root: String, like format: StoreFormat, signingKeys: SigningKeys?) throws -> FileStore {
        try FileStore(
            root: root, create: true, algorithm: FileStore.exists(at: root) ? nil : format.algorithm,
            compressionLevel: format.compressionLevel, inlineLimit: format.inlineLimit, destructureDepth: format.destructureDepth,
            signingKeys: signingKeys)
    }

    /// Removes the folder and everything left in it.
    package func remove() throws {
        try fenced { try FileSystem.removeTree(path) }
        lock.unlock()
    }

    /// Removes the incoming folder `path` if its process is gone (no one holds its lock) and
    /// it is older than `cutoff` when it has no lock file yet; returns whether it did.
    package static func removeIfAbandoned(_ path: String, cutoff: Double) throws -> Bool {
        let lockPath = path + "/lock"
        if FileSystem.exists(lockPath) {
            let lock = try fenced { try FileLock(path: lockPath) }
            guard try fenced({ try lock.lockExclusiveIfFree() }) else { return false }
        } else {
            guard let info = FileSystem.status(path), max(info.modified, info.changed) <= cutoff else { return false }
        }
        try fenced { try FileSystem.removeTree(path) }
        return true
    }
}
