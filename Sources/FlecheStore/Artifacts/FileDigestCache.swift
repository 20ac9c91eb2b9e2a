import FlecheSystem
import FlecheValue
import Foundation

/// The stat cache of file artifacts: what a file's identity (device, inode, size, and
/// modification and status-change times in nanoseconds) was last found to hold, so that an
/// unchanged file costs an `lstat`, not a read.
///
/// An entry is trusted only when the file's times are older than the moment its content
/// began to be read by more than ``settleTime``: a file written again within the same
/// tick of the file system's clock would otherwise keep its times with new content (git's
/// "racily clean" files). A file younger than that is hashed on every use until it settles.
/// A file that changes while it is read is read again.
///
/// Entries persist in one file per machine (never inside a store: inodes mean nothing on
/// another machine), `$FLECHE_FILE_DIGESTS`, else `$XDG_CACHE_HOME/fleche-file-digests`,
/// else `~/.cache/fleche-file-digests`: each process reads it once and appends what it
/// hashes, one line per file (docs/FORMAT.md, "File artifacts"). Lines that do not parse
/// are skipped; the file is rewritten without superseded lines when they outnumber the
/// live ones.
public final class FileDigestCache: Sendable {
    /// What this cache has done since it was created.
    public struct Counters: Sendable, Equatable {
        /// Files whose digest came from an entry (an `lstat`, no read).
        public var reused = 0
        /// Files read and hashed.
        public var hashedFiles = 0
        /// Bytes read and hashed.
        public var hashedBytes: Int64 = 0
    }

    /// The cache file artifacts use when no other is in effect: the machine's file
    /// (`$FLECHE_FILE_DIGESTS`, else `$XDG_CACHE_HOME/fleche-file-digests`, else
    /// `~/.cache/fleche-file-digests`; `FLECHE_FILE_DIGESTS=off` keeps it in memory).
    public static let shared = FileDigestCache(file: defaultFile())

    /// The cache in effect for the current task: ``shared`` unless a caller set another
    /// with `FileDigestCache.$current.withValue(_:operation:)`.
    @TaskLocal public static var current: FileDigestCache = .shared

    /// The file entries persist in, or `nil` for a cache kept in memory.
    public let file: String?
    /// How much older than the start of its read a file's times must be for its entry to
    /// be trusted, in nanoseconds.
    public let settleTime: Int64

    /// Where a file lives, and the algorithm of the digest: an entry's key (its times and size
    /// must match too).
    private struct Key: Hashable {
        let device: UInt64
        let inode: UInt64
        let algorithm: DigestAlgorithm

        init(_ identity: FileIdentity, _ algorithm: DigestAlgorithm) {
            (device, inode, self.algorithm) = (identity.device, identity.inode, algorithm)
        }
    }

    private struct Entry {
        let identity: FileIdentity
        let digest: Digest
    }

    private struct State {
        var loaded = false
        var entries: [Key: Entry] = [:]
        var counters = Counters()
    }

    private let state = Locked(State())

    /// A cache persisted in `file` (created with its folder when first written), or kept in
    /// memory when `file` is `nil`; entries are trusted for files `settleTime` seconds older
    /// than their read (two seconds unless told; a shorter time suits a local file system).
    public init(file: String?, settleTime: Double = 2) {
        self.file = file
        self.settleTime = Int64(settleTime * 1e9)
    }

    /// The machine's stat-cache file named by `environment`, or `nil` for `off`.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let file = environment["FLECHE_FILE_DIGESTS"], !file.isEmpty { return file == "off" ? nil : file }
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/fleche-file-digests" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/fleche-file-digests"
    }

    /// What this cache has done so far.
    public var counters: Counters { state.withLock { $0.counters } }

    /// The digest of the content of the regular file at `path` (the digest of
    /// `Value.bytes(content)` under `algorithm`), whose `lstat` gave `identity`: from an
    /// entry when one matches, else read and hashed in pieces.
    package func digest(ofFileAt path: String, identity: FileIdentity, algorithm: DigestAlgorithm) throws -> Digest {
        if let known = knownDigests(of: [identity], algorithm: algorithm)[0] { return known }
        return try hash(path, algorithm: algorithm)
    }

    /// The digests entries give for files with these identities (`nil` where none does),
    /// under the lock once: how an unchanged tree is described without a read.
    package func knownDigests(of identities: [FileIdentity], algorithm: DigestAlgorithm) -> [Digest?] {
        state.withLock { state in
            if !state.loaded { load(into: &state) }
            return identities.map { identity in
                guard let entry = state.entries[Key(identity, algorithm)], entry.identity == identity else { return nil }
                state.counters.reused += 1
                return entry.digest
            }
        }
    }

    /// Reads and hashes the file, and records its entry when it has settled.
    private func hash(_ path: String, algorithm: DigestAlgorithm) throws -> Digest {
        for _ in 0..<3 {
            let started = FileSystem.now()
            var digester = BytesDigester(algorithm)
            var bytes: Int64 = 0
            let opened = try fenced {
                try FileSystem.readPieces(path) { piece in
                    digester.update(piece)
                    bytes += Int64(piece.count)
                }
            }
            guard let opened else { throw FlecheError.invalidArtifact(path: path, reason: "the file disappeared while it was read") }
            let after = try fenced { try FileSystem.kind(of: path, followingLinks: true) }
            let digest = digester.finalize()
            state.withLock {
                $0.counters.hashedFiles += 1
                $0.counters.hashedBytes += bytes
            }
            guard case .regular(let now, _) = after, now == opened, opened.size == bytes else {
                // Written while it was read: the bytes hashed are no version of the file.
                continue
            }
            if max(opened.modified, opened.changed) < started - settleTime {
                // Under the file opened (a file replaced since its `lstat` has another inode).
                record(Entry(identity: opened, digest: digest), algorithm: algorithm, path: path)
            }
            return digest
        }
        throw FlecheError.invalidArtifact(path: path, reason: "the file kept changing while it was read (three times)")
    }

    // MARK: Persistence

    private func record(_ entry: Entry, algorithm: DigestAlgorithm, path: String) {
        state.withLock { $0.entries[Key(entry.identity, algorithm)] = entry }
        guard let file, !path.utf8.contains(UInt8(ascii: "\n")) else { return }
        // The path serves only compaction (is the file still there, unchanged?): absolute,
        // so that a later process in another working directory finds it.
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let line = Self.line(entry, algorithm: algorithm, path: absolute)
        do {
            try fenced { try FileSystem.append(Array(line.utf8), to: file) }
        } catch {
            // The folder may not exist yet; a cache that cannot be written stays in memory.
            try? fenced { try FileSystem.makeDirectories(FileSystem.parentDirectory(file)) }
            try? fenced { try FileSystem.append(Array(line.utf8), to: file) }
        }
    }

    /// `v1 ALGORITHM DEVICE INODE SIZE MTIME CTIME DIGEST PATH`, one line per file.
    private static func line(_ entry: Entry, algorithm: DigestAlgorithm, path: String) -> String {
        let id = entry.identity
        return "v1 \(algorithm.rawValue) \(id.device) \(id.inode) \(id.size) \(id.modified) \(id.changed) \(entry.digest.hex) \(path)\n"
    }

    private struct Line {
        let key: Key
        let entry: Entry
        let path: String
    }

    private static func parse(_ text: Substring) -> Line? {
        let fields = text.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: false)
        guard fields.count == 9, fields[0] == "v1", let algorithm = DigestAlgorithm(rawValue: String(fields[1])),
            let device = UInt64(fields[2]), let inode = UInt64(fields[3]), let size = Int64(fields[4]),
            let modified = Int64(fields[5]), let changed = Int64(fields[6]),
            let digest = Digest(hex: String(fields[7])), digest.bytes.count == algorithm.digestByteCount
        else { return nil }
        let identity = FileIdentity(device: device, inode: inode, size: size, modified: modified, changed: changed)
        return Line(key: Key(identity, algorithm), entry: Entry(identity: identity, digest: digest), path: String(fields[8]))
    }

    /// Reads the file once (under the lock): later lines win; superseded ones are counted,
    /// and when they outnumber the live entries the file is rewritten without them.
    private func load(into state: inout State) {
        state.loaded = true
        guard let file, let bytes = try? fenced({ try FileSystem.readFile(file) }) else { return }
        var lines = 0
        var paths: [Key: String] = [:]
        for text in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            lines += 1
            guard let line = Self.parse(text) else { continue }
            state.entries[line.key] = line.entry
            paths[line.key] = line.path
        }
        if lines > 2 * state.entries.count + 1_000 { compact(state.entries, paths: paths, file: file) }
    }

    /// Rewrites the file with one line per live entry (temp, then rename): entries whose
    /// path no longer has that identity are dropped.
    private func compact(_ entries: [Key: Entry], paths: [Key: String], file: String) {
        var text = ""
        for (key, entry) in entries {
            guard let path = paths[key], case .regular(let identity, _)? = try? FileSystem.kind(of: path),
                identity == entry.identity
            else { continue }
            text += Self.line(entry, algorithm: key.algorithm, path: path)
        }
        let temporary = file + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        do {
            try fenced {
                try Array(text.utf8).withUnsafeBytes { try FileSystem.writeNewFile(temporary, parts: [$0], durable: false) }
                _ = try FileSystem.rename(temporary, to: file)
            }
        } catch {
            _ = try? fenced { try FileSystem.removeFile(temporary) }
        }
    }
}
