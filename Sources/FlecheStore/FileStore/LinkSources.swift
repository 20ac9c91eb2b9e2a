import FlecheSystem
import FlecheValue

/// Read-only files in `links/` holding stored file contents whole, for results written out
/// as hard links (``Materialization/hardLink``; docs/FORMAT.md, "Hard links"): a file body
/// carries its header, and a chunked one is many objects, so neither can be linked itself.
///
/// `links/<content hex>` (`.x` appended for an executable) is made from the stored content
/// the first time it is needed (cloned where the file system can), then made read-only
/// (`0444`, `0555`) with its modification time set to 0. Before each use it is checked to be
/// still so and of the content's size: one written in place since (through any of its
/// links) has a new time, and is replaced by a fresh copy before anything more is linked
/// to it. gc removes those whose content is gone.
extension FileObjectStorage {
    /// The read-only file in `links/` holding `content` (made now if missing or changed);
    /// `nil` when this store does not hold `content`.
    ///
    /// - Throws: `FlecheError.corruptObject` for damaged content, `FlecheError.io`.
    package func linkSource(for content: Digest, executable: Bool) throws -> String? {
        guard let size = fileBodySize(content) else { return nil }
        let source = layout.linksDirectory + "/" + content.hex + (executable ? ".x" : "")
        if NewFile.isSealedForLinking(source, size: size, executable: executable) { return source }
        try fenced { try FileSystem.makeDirectories(layout.linksDirectory) }
        let file = try fenced { try NewFile(inFolder: layout.linksDirectory, executable: executable) }
        do {
            try writeContent(content, into: file, clone: true)
            try fenced { try file.sealForLinking(executable: executable) }
        } catch {
            file.abandon()
            throw error
        }
        do {
            try file.publish(as: source, durable: false)
        } catch {
            throw FlecheError(error)
        }
        return source
    }

    /// Removes the files of `links/` whose content is no longer stored (after gc's sweep);
    /// returns how many. Hidden names (a writer's temporary file, where the file system has no
    /// nameless files) are left alone.
    @discardableResult
    package func removeOrphanedLinkSources() -> Int {
        guard let names = try? FileSystem.entries(layout.linksDirectory) else { return 0 }
        var removed = 0
        for name in names where !name.hasPrefix(".") {
            let hex = name.hasSuffix(".x") ? String(name.dropLast(2)) : name
            if let content = Digest(hex: hex), FileSystem.exists(path(of: content)) { continue }
            if (try? FileSystem.removeFile(layout.linksDirectory + "/" + name)) == true { removed += 1 }
        }
        return removed
    }
}
