import Dispatch
import FlecheSystem
import FlecheValue

/// A directory passed to a memoized function by its path and keyed by its tree.
///
/// Encoding walks the tree and writes the record `DirectoryArtifact{files, executables,
/// directories}`: each regular file's path relative to the directory (`/`-separated) and the
/// digest of its content, the relative paths of the files their owner may execute, and those
/// of the empty directories. Modification times, owners and the directory's own path are not
/// part of it: a copy of the tree elsewhere, or on another machine, is the same argument; an
/// edited, added, removed or renamed file makes another one.
///
/// File digests come from the stat cache (``FileDigestCache/current``) where a file is
/// unchanged, so an unchanged tree of ten thousand files costs ten thousand `lstat`s; the
/// files that must be read are hashed on every core.
///
/// A symbolic link, socket or device inside the tree is refused
/// (`FlecheError.invalidArtifact(path:reason:)`) rather than followed out of it or skipped.
///
/// Returned by a memoized function, a directory artifact is a *result*: each file's bytes
/// are stored as their own object (a file shared by several results, or several times in
/// one tree, is stored once), and on a hit ``write(to:mode:)`` rebuilds the tree wherever
/// the caller asks.
public struct DirectoryArtifact: Codable, Sendable, Hashable {
    /// Where the directory is, or `nil` for an artifact decoded from a store.
    public let path: String?
    /// Each regular file's relative path and content digest, once encoded or decoded.
    public private(set) var files: [String: Digest]?
    /// The relative paths of the files their owner may execute, sorted.
    public private(set) var executables: [String]?
    /// The relative paths of the empty directories, sorted.
    public private(set) var emptyDirectories: [String]?
    /// Where the content of an artifact decoded from a store is (not part of its identity).
    private var storedIn: ArtifactContent?

    /// The directory at `path` (absolute, or relative to the working directory).
    public init(_ path: String) {
        self.path = path
    }

    private enum CodingKeys: String, CodingKey {
        case files, executables, directories
    }

    /// Reads what a store recorded: the files' digests, the executables, the empty
    /// directories.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = nil
        files = try container.decode([String: Digest].self, forKey: .files)
        executables = try container.decode([String].self, forKey: .executables)
        emptyDirectories = try container.decode([String].self, forKey: .directories)
        storedIn = ArtifactContent.current
        for content in Set((files ?? [:]).values) { storedIn?.noteDecoded(content) }
    }

    /// Artifacts are equal when they name the same path with the same recorded tree.
    public static func == (lhs: DirectoryArtifact, rhs: DirectoryArtifact) -> Bool {
        lhs.path == rhs.path && lhs.files == rhs.files && lhs.executables == rhs.executables
            && lhs.emptyDirectories == rhs.emptyDirectories
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(files)
        hasher.combine(executables)
        hasher.combine(emptyDirectories)
    }

    /// Writes the tree at `destination` (its missing parent folders created, a directory
    /// there replaced whole): from the store it was decoded from (a memoized call's stored
    /// result), or copied from ``path``. The tree is built beside the destination and
    /// renamed into place: a reader sees the old tree or the whole new one.
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` for an artifact decoded
    ///   without a store, `FlecheError.notFound(key:)` when the store no longer holds a
    ///   file's content, `FlecheError.corruptObject` when one is damaged (set aside: the next
    ///   call recomputes it), `FlecheError.io` when the destination cannot be written.
    public func write(to destination: String, mode: Materialization = .cloneOrCopy) throws {
        if let path {
            // Copied from the tree as it is now: walked, not hashed.
            let tree = try Self.walk(path)
            try ArtifactMaterializer.writeTree(
                files: tree.files.map { ($0.relativePath, .file(path + "/" + $0.relativePath)) },
                executables: Set(tree.files.filter(\.isExecutable).map(\.relativePath)),
                emptyDirectories: tree.emptyDirectories, to: destination, mode: mode)
            return
        }
        guard let storedIn, let files else {
            throw FlecheError.invalidArtifact(
                path: "(a directory artifact of \(files?.count ?? 0) files)", reason: "was not decoded from a store that holds its content")
        }
        try ArtifactMaterializer.writeTree(
            files: files.sorted { $0.key.utf8Precedes($1.key) }.map { ($0.key, .stored($0.value, storedIn)) },
            executables: Set(executables ?? []), emptyDirectories: emptyDirectories ?? [], to: destination, mode: mode)
    }

    /// Writes the tree as it is now (an artifact without a path writes what it holds).
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` for a missing directory or an
    ///   entry that is not a regular file or directory, `FlecheError.io(path:operation:errno:)`
    ///   when a file cannot be read.
    public func encode(to encoder: any Encoder) throws {
        let algorithm = encoder.userInfo[.flecheDigestAlgorithm] as? DigestAlgorithm ?? .sha256
        let described = try path.map { path in
            // A result's files are stored as they are hashed: one read each.
            if let files = ResultFiles.collecting {
                return try self.described { relativePath, _ in try files.store(path + "/" + relativePath).content }
            }
            return try self.described(using: algorithm, cache: FileDigestCache.current)
        } ?? self
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(described.files ?? [:], forKey: .files)
        try container.encode(described.executables ?? [], forKey: .executables)
        try container.encode(described.emptyDirectories ?? [], forKey: .directories)
    }

    /// This artifact with the digests of its files, its executables and empty directories
    /// read from its path.
    public func described(
        using algorithm: DigestAlgorithm = .sha256, cache: FileDigestCache = .current
    ) throws -> DirectoryArtifact {
        try described { files, root in try Self.digests(of: files, root: root, algorithm: algorithm, cache: cache) }
    }

    /// This artifact read from its path, the digests of its files (in order) from `digests`.
    private func described(
        digests: ([DirectoryTree.File], String) throws -> [Digest?]
    ) throws -> DirectoryArtifact {
        guard let path else { return self }
        let tree = try Self.walk(path)
        let digests = try digests(tree.files, path)
        var artifact = DirectoryArtifact(path)
        artifact.files = Dictionary(uniqueKeysWithValues: zip(tree.files.map(\.relativePath), digests.map { $0! }))
        artifact.executables = tree.files.filter(\.isExecutable).map(\.relativePath).sorted { $0.utf8Precedes($1) }
        artifact.emptyDirectories = tree.emptyDirectories.sorted { $0.utf8Precedes($1) }
        return artifact
    }

    /// The tree at `path`, which must be a directory (a symbolic link to one is followed).
    private static func walk(_ path: String) throws -> DirectoryTree {
        switch try fenced({ try FileSystem.kind(of: path, followingLinks: true) }) {
        case .directory?: return try DirectoryTree.walk(path)
        case nil: throw FlecheError.invalidArtifact(path: path, reason: "no such directory")
        case _?: throw FlecheError.invalidArtifact(path: path, reason: "is not a directory: pass a file as a FileArtifact")
        }
    }

    /// This artifact read from its path, each file's digest from `digest` (relative path,
    /// identity), in order.
    private func described(digest: (String, FileIdentity) throws -> Digest) throws -> DirectoryArtifact {
        try described { files, _ in try files.map { try digest($0.relativePath, $0.identity) } }
    }

    /// The content digests of `files`, in order: from the stat cache where it knows them (in
    /// one pass under its lock), the rest read on every core.
    private static func digests(
        of files: [DirectoryTree.File], root: String, algorithm: DigestAlgorithm, cache: FileDigestCache
    ) throws -> [Digest?] {
        var digests = cache.knownDigests(of: files.map(\.identity), algorithm: algorithm)
        let missing = digests.indices.filter { digests[$0] == nil }
        guard !missing.isEmpty else { return digests }
        // One iteration per file: Dispatch hands them to the cores as they free up, so a
        // large file does not hold back a share of small ones.
        let results = Locked([Result<Digest, any Error>?](repeating: nil, count: missing.count))
        DispatchQueue.concurrentPerform(iterations: missing.count) { slot in
            let file = files[missing[slot]]
            let result = Result {
                try cache.digest(ofFileAt: root + "/" + file.relativePath, identity: file.identity, algorithm: algorithm)
            }
            results.withLock { $0[slot] = result }
        }
        for (slot, result) in results.withLock({ $0 }).enumerated() { digests[missing[slot]] = try result!.get() }
        return digests
    }
}
