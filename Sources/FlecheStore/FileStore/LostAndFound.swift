import FlecheSystem
import FlecheValue

/// The folders of a store whose files are named by key, as `lost+found/` mirrors them.
package enum KeyedFolder: String, Sendable {
    case objects
    case calls
}

extension StoreLayout {
    /// Moves `path` (a file of `folder` named `key`) to `lost+found/<folder>/<key>` and
    /// returns its new path, or `nil` if it was gone already. An earlier file set aside
    /// under the same key is replaced.
    /// - Throws: `FlecheError.io` when the folder cannot be made or the file cannot be moved.
    func moveToLostAndFound(_ path: String, folder: KeyedFolder, key: Digest) throws -> String? {
        let directory = lostAndFoundDirectory + "/" + folder.rawValue
        try fenced { try FileSystem.makeDirectories(directory) }
        let target = directory + "/" + key.hex
        switch try fenced({ try FileSystem.rename(path, to: target) }) {
        case .renamed: return target
        case .targetDirectoryMissing: return nil  // the folder exists now: the source is gone
        }
    }

    /// Sets a damaged file aside in `lost+found/` with a warning that names its key, its path
    /// and what is wrong; returns the new path, or `nil` if it was gone or could not be moved
    /// (a read-only store: the warning says so). Callers go on as if the file were missing:
    /// damage is a miss that heals, never a failure of the user's call.
    @discardableResult
    func setAside(_ path: String, folder: KeyedFolder, key: Digest, reason: String) -> String? {
        do {
            guard let moved = try moveToLostAndFound(path, folder: folder, key: key) else { return nil }
            log.warning(
                "damaged store file set aside; its call is a miss and is computed again",
                metadata: ["key": "\(key.hex)", "path": "\(path)", "reason": "\(reason)", "moved-to": "\(moved)"])
            return moved
        } catch {
            log.warning(
                "damaged store file could not be set aside; its call is a miss",
                metadata: ["key": "\(key.hex)", "path": "\(path)", "reason": "\(reason)", "error": "\(error)"])
            return nil
        }
    }
}

extension FileStore {
    /// Sets aside the file that a ``FlecheError/corruptObject(key:path:reason:)`` or
    /// ``FlecheError/corruptManifest(key:path:reason:)`` of this store names, once it is
    /// read again and found still damaged (another process may have replaced it meanwhile;
    /// that file is left alone). Returns where it went in `lost+found/`, or `nil` if nothing
    /// was moved.
    ///
    /// The hit path calls this, so that a file a power loss cut short costs one recomputation
    /// instead of an error: the call misses, and its fresh result is stored.
    @discardableResult
    package func setAside(damage error: FlecheError) -> String? {
        switch error {
        case .corruptObject(let key, let path, let reason) where path == objects.path(of: key):
            guard case .damaged? = try? objects.examine(key) else { return nil }
            return layout.setAside(path, folder: .objects, key: key, reason: reason)
        case .corruptManifest(let key, let path, let reason) where path == calls.path(of: key):
            guard case (_, .failure(FlecheError.corruptManifest))? = calls.loadAll([key], checkingSignatures: false).first else {
                return nil
            }
            return layout.setAside(path, folder: .calls, key: key, reason: reason)
        default:
            return nil
        }
    }
}
