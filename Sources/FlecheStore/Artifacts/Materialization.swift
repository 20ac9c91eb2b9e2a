import FlecheSystem
import FlecheValue
import Foundation

/// How ``FileArtifact/write(to:mode:)`` and ``DirectoryArtifact/write(to:mode:)`` put a
/// file's bytes at its destination.
public enum Materialization: Sendable, Hashable {
    /// Shares the stored file's blocks with the destination (a reflink: btrfs, XFS) where
    /// the file system can, which costs no reads, writes or space; copies elsewhere. The
    /// default.
    case cloneOrCopy
    /// Copies the bytes, checking them against the stored checksum as they go: a damaged
    /// object is set aside and reported instead of being written out.
    case copy
    /// Hard-links the destination to a read-only file in the store's `links/` folder that
    /// holds the content whole (made the first time, then shared by every destination), which
    /// costs no writes and no space; where a link cannot be made (the destination on another
    /// file system, a store this process may not write), clones or copies. The destination is then read-only: replace it with a
    /// new file rather than writing into it (a file changed in place is noticed, and replaced
    /// in `links/` before anything more is linked to it, but every link to it sees the change).
    case hardLink
}

/// Writes artifacts out: every file is written under no name (or a hidden temporary one)
/// in its destination's folder and renamed into place whole; a tree is built in a hidden
/// folder beside its destination and then renamed over it. A process killed meanwhile
/// leaves nothing at the destination.
package enum ArtifactMaterializer {
    /// Where one file's bytes come from: a file on disk (the artifact a body just returned)
    /// or stored content.
    enum Source {
        case file(String)
        case stored(Digest, ArtifactContent)
        case bytes(Data)
    }

    /// Writes one file at `destination` (created with its missing parent folders, or
    /// replacing the file there).
    static func writeFile(_ source: Source, executable: Bool, to destination: String, mode: Materialization) throws {
        let folder = FileSystem.parentDirectory(destination)
        try fenced { try FileSystem.makeDirectories(folder) }
        if mode == .hardLink {
            let name = NewFile.temporaryName(in: folder)
            if try hardLinked(source, executable: executable, as: name) {
                do {
                    _ = try FileSystem.rename(name, to: destination)
                } catch {
                    _ = try? FileSystem.removeFile(name)
                    throw FlecheError(error)
                }
                return
            }
        }
        let file = try filled(try fenced { try NewFile(inFolder: folder, executable: executable) }, from: source, mode: mode)
        do {
            try file.publish(as: destination, durable: false)
        } catch {
            throw FlecheError(error)
        }
    }

    /// Writes `data` as the file at `destination`, as ``writeFile(_:executable:to:mode:)`` does.
    package static func writeBytes(_ data: Data, to destination: String) throws {
        try writeFile(.bytes(data), executable: false, to: destination, mode: .copy)
    }

    /// Writes a tree at `destination`: `files` (relative path → where its bytes come
    /// from), the executables among them, and empty directories; a tree there is replaced.
    static func writeTree(
        files: [(relativePath: String, source: Source)], executables: Set<String>, emptyDirectories: [String],
        to destination: String, mode: Materialization
    ) throws {
        let folder = FileSystem.parentDirectory(destination)
        try fenced { try FileSystem.makeDirectories(folder) }
        let building = NewFile.temporaryName(in: folder)
        do {
            try fenced { try FileSystem.makeDirectory(building) }
            for directory in emptyDirectories { try fenced { try FileSystem.makeDirectories(building + "/" + directory) } }
            for (relativePath, source) in files {
                let path = building + "/" + relativePath
                try fenced { try FileSystem.makeDirectories(FileSystem.parentDirectory(path)) }
                if mode == .hardLink, try hardLinked(source, executable: executables.contains(relativePath), as: path) { continue }
                let file = try filled(
                    try fenced { try NewFile(creating: path, executable: executables.contains(relativePath)) },
                    from: source, mode: mode)
                do {
                    try file.finish(durable: false)
                } catch {
                    throw FlecheError(error)
                }
            }
            try fenced { try FileSystem.replaceDirectory(destination, with: building) }
        } catch {
            try? FileSystem.removeTree(building)
            throw error
        }
    }

    /// Whether `path` (which must not exist) was made a hard link to the read-only copy of
    /// stored `source` content: false for a source that is not stored content, or where no
    /// link can be made (another file system; a copy that cannot be made, in a store this
    /// process may not write, say), for the caller to clone or copy instead.
    private static func hardLinked(_ source: Source, executable: Bool, as path: String) throws -> Bool {
        guard case .stored(let content, let storages) = source,
            let linkSource = try? storages.linkSource(for: content, executable: executable)
        else { return false }
        return try fenced { try FileSystem.hardLink(linkSource, as: path) }
    }

    /// `file` with the bytes of `source` written into it; on failure it is abandoned.
    private static func filled(_ file: consuming NewFile, from source: Source, mode: Materialization) throws -> NewFile {
        do {
            try fill(file, from: source, mode: mode)
        } catch {
            file.abandon()
            throw error
        }
        return file
    }

    private static func fill(_ file: borrowing NewFile, from source: Source, mode: Materialization) throws {
        switch source {
        case .stored(let content, let storages):
            try storages.write(content, into: file, clone: mode != .copy)
        case .bytes(let data):
            try fenced { try data.withUnsafeBytes { try file.write($0) } }
        case .file(let path):
            if mode != .copy, try fenced({ try file.clone(from: path, offset: 0) }) { return }
            let read = try fenced { try FileSystem.readPieces(path) { try file.write($0) } }
            if read == nil { throw FlecheError.invalidArtifact(path: path, reason: "no such file") }
        }
    }
}
