import FlecheSystem
import FlecheValue

/// What a directory holds, walked without following symbolic links: its regular files with
/// their identities (for the stat cache) and its empty directories, by `/`-separated paths
/// relative to the root, in the order the directories list them.
struct DirectoryTree {
    struct File {
        let relativePath: String
        let identity: FileIdentity
        let isExecutable: Bool
    }

    var files: [File] = []
    var emptyDirectories: [String] = []

    /// Walks the directory at `root`.
    ///
    /// - Throws: `FlecheError.invalidArtifact(path:reason:)` for a symbolic link, socket,
    ///   pipe or device in the tree, or a name that is not UTF-8.
    static func walk(_ root: String) throws -> DirectoryTree {
        var tree = DirectoryTree()
        try tree.visit(root, relative: "")
        return tree
    }

    private mutating func visit(_ directory: String, relative: String) throws {
        guard let names = try fenced({ try FileSystem.entries(directory) }) else {
            throw FlecheError.invalidArtifact(path: directory, reason: "disappeared while the tree was read")
        }
        if names.isEmpty, !relative.isEmpty { emptyDirectories.append(relative) }
        for name in names {
            let path = directory + "/" + name
            // `String(cString:)` repaired bytes that are not UTF-8 with U+FFFD.
            guard !name.unicodeScalars.contains("\u{FFFD}") else {
                throw FlecheError.invalidArtifact(path: path, reason: "its name is not UTF-8, which a key cannot hold")
            }
            let child = relative.isEmpty ? name : relative + "/" + name
            switch try fenced({ try FileSystem.kind(of: path) }) {
            case .regular(let identity, let executable)?:
                files.append(File(relativePath: child, identity: identity, isExecutable: executable))
            case .directory?:
                try visit(path, relative: child)
            case .symbolicLink?:
                throw FlecheError.invalidArtifact(
                    path: path, reason: "is a symbolic link: a directory artifact holds only files and directories (copy the file it names in its place)")
            case .other?:
                throw FlecheError.invalidArtifact(path: path, reason: "is not a regular file or directory")
            case nil:
                throw FlecheError.invalidArtifact(path: path, reason: "disappeared while the tree was read")
            }
        }
    }
}
