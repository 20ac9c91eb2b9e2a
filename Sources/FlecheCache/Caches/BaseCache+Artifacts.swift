import FlecheStore
import FlecheValue
import Foundation

/// One file of an artifact in a stored value: what `fleche show` lists.
public struct ArtifactFile: Sendable, Hashable {
    /// The file's path relative to its directory artifact, or `nil` for a file artifact.
    public let relativePath: String?
    /// The digest of the file's content.
    public let content: Digest
    /// The file's size in bytes, or `nil` when the store does not hold its content.
    public let size: Int64?
}

extension BaseCache {
    /// The object storages that artifacts decoded from this cache read their files from:
    /// its file store, or each layer's in order for a stack or pool.
    package var artifactStorages: [FileObjectStorage] {
        if let layered = self as? any LayeredCache { return layered.layers.flatMap(\.artifactStorages) }
        return (fileStore ?? savingStore).map { [$0.objects] } ?? []
    }

    /// The files of the file and directory artifacts in `value` (a stored result or
    /// argument), in the order they appear, a directory's by path.
    public func artifactFiles(in value: Value) -> [ArtifactFile] {
        let storages = artifactStorages
        func storedSize(_ content: Digest) -> Int64? {
            storages.lazy.compactMap { $0.fileBodySize(content) }.first.map(Int64.init)
        }
        var files: [ArtifactFile] = []
        func visit(_ node: Value) {
            if case .record(let type, let fields) = node {
                let field = { (name: String) in fields.first { $0.name == name }?.value }
                if type == "FileArtifact", case .digest(let content)? = field("content") {
                    var size: Int64?
                    if case .int(let recorded)? = field("size") { size = Int64(exactly: recorded) }
                    files.append(ArtifactFile(relativePath: nil, content: content, size: size ?? storedSize(content)))
                    return
                }
                if type == "DirectoryArtifact", case .dictionary(let entries)? = field("files") {
                    for entry in entries {
                        guard case .string(let path) = entry.key, case .digest(let content) = entry.value else { continue }
                        files.append(ArtifactFile(relativePath: path, content: content, size: storedSize(content)))
                    }
                    return
                }
            }
            for child in node.children { visit(child) }
        }
        visit(value)
        return files
    }

    /// Writes a stored value out at `destination`: a file or directory artifact (a
    /// memoized call's result) is materialized from this cache's stores as
    /// `FileArtifact.write(to:mode:)` does, the bytes of a `Data` value become the file's
    /// content. What `fleche cat KEY --output PATH` runs.
    ///
    /// - Throws: `FlecheError.unsupportedValue` for any other value (print it instead),
    ///   what materializing throws.
    public func write(_ value: Value, to destination: String, mode: Materialization = .cloneOrCopy) throws {
        try ArtifactContent.$current.withValue(ArtifactContent(artifactStorages)) {
            switch value {
            case .record(type: "FileArtifact", _):
                try ValueDecoder().decode(FileArtifact.self, from: value).write(to: destination, mode: mode)
            case .record(type: "DirectoryArtifact", _):
                try ValueDecoder().decode(DirectoryArtifact.self, from: value).write(to: destination, mode: mode)
            case .bytes(let data):
                try ArtifactMaterializer.writeBytes(data, to: destination)
            default:
                throw FlecheError.unsupportedValue(
                    "a \(value.kindName) value is not a file, a directory or bytes: print it without --output")
            }
        }
    }
}
