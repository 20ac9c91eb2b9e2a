import FlecheSystem
import FlecheValue

/// A file passed to a memoized function by its path and keyed by its content.
///
/// Encoding reads the file (or finds its digest in the stat cache,
/// ``FileDigestCache/current``) and writes the record `FileArtifact{content, size,
/// executable}`: the digest of the file's bytes (as `Value.bytes` would digest them, under
/// the store's algorithm), its size and whether its owner may execute it. The path is not
/// part of it, so the same content under another name or on another machine is the same
/// argument, and an edited file is another one.
///
/// ```swift
/// let summarize = memoize(name: "summarize") { (table: FileArtifact) in
///     try String(contentsOfFile: table.path!, encoding: .utf8).split(separator: "\n").count
/// }
/// let rows = try summarize(FileArtifact("data/sales.csv"))
/// ```
///
/// A symbolic link given as the path is followed. Decoded from a store, an artifact has
/// no path, only what was recorded.
///
/// Returned by a memoized function, a file artifact is a *result*: the file's bytes are
/// stored with the call (once per content, whatever the name), and on a hit the artifact
/// decoded from the store writes them wherever the caller asks with ``write(to:mode:)``:
///
/// ```swift
/// let render = memoize(name: "render") { (scene: FileArtifact) -> FileArtifact in
///     try renderScene(scene.path!, to: "build/scene.png")
///     return FileArtifact("build/scene.png")
/// }
/// try render(FileArtifact("scene.txt")).write(to: "out/scene.png")
/// ```
public struct FileArtifact: Codable, Sendable, Hashable {
    /// Where the file is, or `nil` for an artifact decoded from a store.
    public let path: String?
    /// The digest of the file's content, once encoded or decoded.
    public private(set) var content: Digest?
    /// The file's size in bytes, once encoded or decoded.
    public private(set) var size: Int64?
    /// Whether the file's owner may execute it, once encoded or decoded.
    public private(set) var isExecutable: Bool?
    /// Where the content of an artifact decoded from a store is (not part of its identity).
    private var storedIn: ArtifactContent?

    /// The file at `path` (absolute, or relative to the working directory).
    public init(_ path: String) {
        self.path = path
    }

    private enum CodingKeys: String, CodingKey {
        case content, size, executable
    }

    /// Reads what a store recorded: content digest, size and executable bit.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = nil
        content = try container.decode(Digest.self, forKey: .content)
        size = try container.decode(Int64.self, forKey: .size)
        isExecutable = try container.decode(Bool.self, forKey: .executable)
        storedIn = ArtifactContent.current
        if let content { storedIn?.noteDecoded(content) }
    }

    /// Artifacts are equal when they name the same path with the same recorded facts.
    public static func == (lhs: FileArtifact, rhs: FileArtifact) -> Bool {
        lhs.path == rhs.path && lhs.content == rhs.content && lhs.size == rhs.size && lhs.isExecutable == rhs.isExecutable
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(content)
        hasher.combine(size)
        hasher.combine(isExecutable)
    }

    /// Writes the file at `destination` (its missing parent folders created, a file there
    /// replaced): from the store it was decoded from (a memoized call's stored result), or
    /// copied from ``path``. The file appears whole or not at all, executable when it was.
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` for an artifact decoded
    ///   without a store, `FlecheError.notFound(key:)` when the store no longer holds the
    ///   content, `FlecheError.corruptObject` when its stored bytes are damaged (set aside:
    ///   the next call recomputes them), `FlecheError.io` when the destination cannot be
    ///   written.
    public func write(to destination: String, mode: Materialization = .cloneOrCopy) throws {
        var executable = isExecutable ?? false
        if let path {
            guard case .regular(_, let mode)? = try fenced({ try FileSystem.kind(of: path, followingLinks: true) }) else {
                throw FlecheError.invalidArtifact(path: path, reason: "no such file")
            }
            executable = mode
        }
        try ArtifactMaterializer.writeFile(try source(), executable: executable, to: destination, mode: mode)
    }

    /// Where ``write(to:mode:)`` reads the bytes from.
    private func source() throws -> ArtifactMaterializer.Source {
        if let path { return .file(path) }
        guard let content, let storedIn else {
            throw FlecheError.invalidArtifact(
                path: "(a file artifact of \(size ?? 0) bytes)", reason: "was not decoded from a store that holds its content")
        }
        return .stored(content, storedIn)
    }

    /// Writes the content digest, size and executable bit of the file as it is now (an
    /// artifact without a path writes what it holds).
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` when the path is missing or
    ///   not a regular file, `FlecheError.io(path:operation:errno:)` when it cannot be read.
    public func encode(to encoder: any Encoder) throws {
        let algorithm = encoder.userInfo[.flecheDigestAlgorithm] as? DigestAlgorithm ?? .sha256
        let described = try path.map { path in
            // A result's bytes are stored as they are hashed: one read.
            if let files = ResultFiles.collecting { return try Self.store(path, into: files) }
            return try Self.describe(path, algorithm: algorithm, cache: FileDigestCache.current)
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(described?.content ?? content, forKey: .content)
        try container.encode(described?.size ?? size, forKey: .size)
        try container.encode(described?.isExecutable ?? isExecutable, forKey: .executable)
    }

    /// This artifact with its content digest, size and executable bit read from its path.
    public func described(
        using algorithm: DigestAlgorithm = .sha256, cache: FileDigestCache = .current
    ) throws -> FileArtifact {
        guard let path else { return self }
        return try Self.describe(path, algorithm: algorithm, cache: cache)
    }

    static func describe(_ path: String, algorithm: DigestAlgorithm, cache: FileDigestCache) throws -> FileArtifact {
        try describe(path) { identity in try cache.digest(ofFileAt: path, identity: identity, algorithm: algorithm) }
    }

    /// The artifact of the file at `path` with its bytes stored as a file body.
    static func store(_ path: String, into files: ResultFiles) throws -> FileArtifact {
        try describe(path) { _ in try files.store(path).content }
    }

    /// The artifact of the regular file at `path`, its content digest from `content`.
    private static func describe(_ path: String, content: (FileIdentity) throws -> Digest) throws -> FileArtifact {
        switch try fenced({ try FileSystem.kind(of: path, followingLinks: true) }) {
        case .regular(let identity, let executable)?:
            var artifact = FileArtifact(path)
            artifact.content = try content(identity)
            artifact.size = identity.size
            artifact.isExecutable = executable
            return artifact
        case nil:
            throw FlecheError.invalidArtifact(path: path, reason: "no such file")
        case .directory?:
            throw FlecheError.invalidArtifact(path: path, reason: "is a directory: pass it as a DirectoryArtifact")
        case .symbolicLink?, .other?:
            throw FlecheError.invalidArtifact(path: path, reason: "is not a regular file")
        }
    }
}
