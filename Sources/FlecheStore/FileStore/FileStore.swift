import FlecheSystem
import FlecheValue
import Foundation

/// A store directory: `FORMAT`, value objects and call manifests, safe to share between
/// threads and processes (every write is a rename) and to copy with `rsync`.
public final class FileStore: Sendable {
    /// The store directory.
    public let root: String
    /// The settings from `FORMAT`.
    public let format: StoreFormat
    /// The value objects.
    public let objects: FileObjectStorage
    /// The call manifests.
    public let calls: FileCallStorage
    let layout: StoreLayout
    let lock: StoreLock
    /// This process's hit, miss and store counts for the store (``usageStatistics()``).
    package let usage: UsageLedger
    /// How large and old the store may grow: what `fleche gc` enforces when it is given no
    /// budget of its own (`budget` of the store's cache in `fleche.toml`); `nil`: none.
    public let budget: StoreBudget?
    /// Keeps the store within its budget as it is written, when the budget asks for it.
    let autoTrim: AutoTrim?

    /// Opens the store at `root`, creating it if there is none.
    ///
    /// The settings of a new store (`compressionLevel`, `inlineLimit`, `destructureDepth`)
    /// are written to its `FORMAT`; an existing store keeps its own.
    ///
    /// - Parameters:
    ///   - root: the store directory; `~` and relative paths are resolved.
    ///   - create: when false, a missing store is an error instead of being created.
    ///   - algorithm: when given, the store must use it (a new store is created with it).
    ///   - compressionLevel: zlib level of a new store's objects (0 stores them raw).
    ///   - inlineLimit: payloads of at most this many bytes live inside a new store's
    ///     manifests.
    ///   - destructureDepth: a new store's splitting of values into objects (see
    ///     ``StoreFormat/destructureDepth``; `nil` stores each value as one object).
    ///   - durable: `fsync` every file before its rename, so a power loss cannot leave an
    ///     empty file in place (a killed process never can); slower.
    ///   - signingKeys: the keys that sign the manifests written and must have signed those
    ///     read (``SigningKeys``); `nil` takes them from `$FLECHE_SECRET_KEY` (none if unset).
    ///   - budget: how large and old the store may grow (``budget``).
    ///   - recordsUse: whether a hit refreshes its manifest's mtime when that is more than an
    ///     hour old, so that a budget evicts the least recently *used* calls first.
    /// - Throws: `FlecheError/unknownFormat(path:reason:)` for a directory that is not a
    ///   store this build can open; `FlecheError/invalidConfiguration(path:reason:)` for a
    ///   `$FLECHE_SECRET_KEY` that is not hex keys.
    public init(
        root: String, create: Bool = true, algorithm: DigestAlgorithm? = nil,
        compressionLevel: Int = 1, inlineLimit: Int = 256, destructureDepth: Int? = 1, durable: Bool = false,
        signingKeys: SigningKeys? = nil, budget: StoreBudget? = nil, recordsUse: Bool = true
    ) throws {
        let root = Self.absolute(root)
        let layout = StoreLayout(root: root)
        var format: StoreFormat
        if let existing = try Self.readFormat(layout) {
            format = existing
        } else {
            guard create else {
                throw FlecheError.unknownFormat(path: root, reason: "no store here (create one with `fleche init \(root)`)")
            }
            format = StoreFormat(
                algorithm: algorithm ?? .sha256, compressionLevel: compressionLevel, inlineLimit: inlineLimit,
                destructureDepth: destructureDepth)
            format = try Self.create(layout, format: format)
        }
        if let algorithm, algorithm != format.algorithm {
            throw FlecheError.unknownFormat(
                path: root, reason: "the store uses \(format.algorithm.rawValue), not \(algorithm.rawValue)")
        }
        self.root = root
        self.format = format
        self.layout = layout
        self.lock = StoreLock(path: layout.lockPath)
        self.usage = UsageLedger(folder: StatisticsFolder(layout: layout))
        self.budget = budget
        if let budget, budget.trimsAutomatically, let maxSize = budget.maxSize {
            self.autoTrim = AutoTrim(maxSize: maxSize, maxAge: budget.maxAge)
        } else {
            self.autoTrim = nil
        }
        self.objects = FileObjectStorage(layout: layout, format: format, durable: durable)
        self.calls = FileCallStorage(
            layout: layout, algorithm: format.algorithm, durable: durable, signingKeys: try signingKeys ?? SigningKeys.fromEnvironment(),
            recordsUse: recordsUse)
    }

    /// The store used when none is named: `$FLECHE_STORE`, else `$XDG_CACHE_HOME/fleche`,
    /// else `~/.cache/fleche`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let store = environment["FLECHE_STORE"], !store.isEmpty { return store }
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/fleche" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.cache/fleche"
    }

    /// Whether `root` holds a store (a `FORMAT` file).
    package static func exists(at root: String) -> Bool {
        FileSystem.exists(StoreLayout(root: absolute(root)).formatPath)
    }

    /// `path` made absolute against the working directory, `~` expanded.
    package static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return FileManager.default.currentDirectoryPath + "/" + expanded
    }

    private static func readFormat(_ layout: StoreLayout) throws -> StoreFormat? {
        guard let bytes = try fenced({ try FileSystem.readFile(layout.formatPath) }) else { return nil }
        return try StoreFormat(fileBytes: bytes, path: layout.root)
    }

    /// Creates the store's directories and `FORMAT`. Two processes creating one store at
    /// once agree: `FORMAT` is linked into place only if absent, and the loser reads the
    /// winner's.
    private static func create(_ layout: StoreLayout, format: StoreFormat) throws -> StoreFormat {
        let known: Set<String> = ["objects", "calls", "tmp", "FORMAT", "gc.lock", "lost+found", "locks", "stats"]
        if let entries = try fenced({ try FileSystem.entries(layout.root) }), entries.contains(where: { !known.contains($0) && !$0.hasPrefix(".") }) {
            // Another process may have created the store since FORMAT was looked for, and
            // written into it: its FORMAT stands.
            if let format = try readFormat(layout) { return format }
            throw FlecheError.unknownFormat(
                path: layout.root, reason: "the directory is not empty and has no FORMAT file; choose an empty or new directory")
        }
        for directory in [layout.root, layout.objectsDirectory, layout.callsDirectory, layout.tmpDirectory] {
            try fenced { try FileSystem.makeDirectories(directory) }
        }
        FileSystem.createIfAbsent(layout.lockPath)
        let temporary = layout.temporaryPath()
        let bytes = format.fileBytes
        try fenced { try bytes.withUnsafeBytes { try FileSystem.writeNewFile(temporary, parts: [$0], durable: true) } }
        defer { _ = try? FileSystem.removeFile(temporary) }
        if try fenced({ try FileSystem.linkIfAbsent(temporary, to: layout.formatPath) }) { return format }
        return try readFormat(layout) ?? format
    }
}

extension FileStore {
    /// Tells the store that a save wrote `bytes` of new files after waiting `lockWait` for
    /// the store's lock: with a budget that trims automatically, this may start a trim (on a
    /// background thread) or, when the store is full and another process trims, wait for it
    /// (so that the two waits add up to 50 ms at most).
    package func saved(bytes: Int, lockWait: Duration) {
        let trimWait = autoTrim?.saved(bytes: bytes, into: self, lockWait: lockWait) ?? .zero
        CleanupWaits.record(lockWait + trimWait)
    }

    /// Runs one save (values, then the manifest) under the store's shared lock; `body` is
    /// given how long taking the lock took.
    package func withWriteLock<R>(_ body: (_ lockWait: Duration) throws -> R) rethrows -> R {
        try lock.withShared(body)
    }

    /// The size of the file at `relativePath` in the store (`objects/ab/cd…`), or `nil`
    /// if there is none.
    package func fileSize(relativePath: String) -> Int? {
        FileSystem.status(root + "/" + relativePath)?.size
    }
}

// MARK: - Statistics

/// What a store holds, for `fleche stats`.
public struct StoreStatistics: Sendable, Equatable {
    /// Call manifests in the store.
    public var calls = 0
    /// Value objects in the store.
    public var objects = 0
    /// Bytes the objects and manifests take on disk (allocated blocks).
    public var bytesOnDisk = 0
    /// Sum of object file sizes.
    public var objectFileBytes = 0
    /// Sum of object payload sizes before compression.
    public var payloadBytes = 0
    /// Sum of manifest file sizes.
    public var manifestBytes = 0
    /// Files in `tmp/`: writes in flight, or left by killed processes (gc removes stale ones).
    public var temporaryFiles = 0

    /// Nothing counted yet.
    public init() {}

    /// Payload bytes per stored object byte (2.0 means objects take half their raw size).
    public var compressionRatio: Double {
        objectFileBytes == 0 ? 1 : Double(payloadBytes) / Double(objectFileBytes)
    }
}

extension FileStore {
    /// Counts calls and objects and sums their sizes (reads object headers only).
    public func statistics() throws -> StoreStatistics {
        var stats = StoreStatistics()
        for key in try calls.keys() {
            guard let info = FileSystem.status(calls.path(of: key)) else { continue }
            stats.calls += 1
            stats.manifestBytes += info.size
            stats.bytesOnDisk += info.allocated
        }
        try countObjects(into: &stats)
        stats.temporaryFiles = try temporaryFileCount()
        return stats
    }

    /// Counts every object into `stats` (its file's size and allocation, its header's payload
    /// size) and passes each one's key and file size to `each`.
    func countObjects(into stats: inout StoreStatistics, _ each: (Digest, Int) -> Void = { _, _ in }) throws {
        for key in try objects.keys() {
            guard let info = FileSystem.status(objects.path(of: key)) else { continue }
            each(key, info.size)
            stats.objects += 1
            stats.objectFileBytes += info.size
            stats.bytesOnDisk += info.allocated
            if let header = try? objects.header(key) { stats.payloadBytes += header.ownPayloadSize }
        }
    }

    /// How many files `tmp/` holds.
    func temporaryFileCount() throws -> Int {
        (try fenced { try FileSystem.entries(layout.tmpDirectory) } ?? []).count
    }
}
