import FlecheSystem
import FlecheValue

/// One pass over a store's files without its lock, shared by a budget's eviction and gc's
/// mark so that a gc with a budget reads each manifest and object header once: every object's
/// status, every manifest's status, and (once ``readManifests(progress:)`` ran) the objects
/// each manifest reaches.
///
/// Like any reading without the lock it may miss what is written meanwhile; gc reads again,
/// under the lock, every manifest new or replaced since the reading began.
struct StoreReading {
    /// What `stat` told of one object.
    struct ObjectStatus {
        let modified: Double
        /// The later of mtime and ctime: an object `rsync -a` brought with an old mtime is young.
        let changed: Double
        let allocated: Int
    }

    /// One manifest: its times and size, and (after ``readManifests(progress:)``) what it reaches.
    struct CallEntry {
        let key: Digest
        /// The manifest's mtime: the call's last use.
        let lastUse: Double
        /// Its ctime: a rename over it (a save, an arrival) changes it.
        let changed: Double
        let allocated: Int
        /// Every object the call reaches, children included; `nil` when the manifest did not
        /// read (damaged, or gone since it was listed).
        var closure: [Digest]?
    }

    let store: FileStore
    /// Every object listed that was still there to `stat`.
    private(set) var objects: [Digest: ObjectStatus] = [:]
    /// Every manifest listed that was still there to `stat`.
    private(set) var calls: [CallEntry] = []
    /// Bytes on disk of all those objects and manifests.
    private(set) var allocated = 0
    /// Bytes in those files.
    private(set) var bytes = 0
    /// Objects a manifest reaches whose header did not read (not in the store, or damaged).
    private(set) var missing = Set<Digest>()
    /// The first manifest that did not read for another reason than its absence: gc stops on it.
    private(set) var failure: (any Error)?

    /// Lists and `stat`s every object and manifest of `store` (reads none).
    init(store: FileStore, progress: (@Sendable (String, Int, Int) -> Void)?) throws {
        self.store = store
        let objectKeys = try store.objects.keys()
        for (index, key) in objectKeys.enumerated() {
            if index % 1024 == 0 { progress?("budget: objects", index, objectKeys.count) }
            guard let info = FileSystem.status(store.objects.path(of: key)), info.isRegular else { continue }
            objects[key] = ObjectStatus(modified: info.modified, changed: max(info.modified, info.changed), allocated: info.allocated)
            allocated += info.allocated
            bytes += info.size
        }
        let callKeys = try store.calls.keys()
        for (index, key) in callKeys.enumerated() {
            if index % 1024 == 0 { progress?("budget: calls", index, callKeys.count) }
            guard let info = FileSystem.status(store.calls.path(of: key)), info.isRegular else { continue }
            calls.append(CallEntry(key: key, lastUse: info.modified, changed: info.changed, allocated: info.allocated))
            allocated += info.allocated
            bytes += info.size
        }
    }

    /// Reads every manifest and follows child digests through object headers, filling each
    /// entry's closure.
    mutating func readManifests(progress: (@Sendable (String, Int, Int) -> Void)?) {
        var children: [Digest: [Digest]] = [:]
        var missing = Set<Digest>()
        func closure(of roots: [Digest]) -> [Digest] {
            var seen = Set<Digest>()
            var pending = roots
            while let digest = pending.popLast() {
                guard seen.insert(digest).inserted else { continue }
                if children[digest] == nil {
                    if let header = try? store.objects.header(digest) {
                        children[digest] = header.children
                    } else {
                        children[digest] = []
                        missing.insert(digest)
                    }
                }
                pending += children[digest]!
            }
            return Array(seen)
        }
        let position = Dictionary(calls.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        let results = store.calls.loadAll(calls.map(\.key), checkingSignatures: false)
        for (index, (key, result)) in results.enumerated() {
            if index % 1024 == 0 { progress?("budget: reading", index, results.count) }
            switch result {
            case .success(let record):
                calls[position[key]!].closure = closure(of: record.objectDigests)
            case .failure(let error as FlecheError) where error.isMiss:
                continue
            case .failure(let error):
                if failure == nil { failure = error }
            }
        }
        self.missing = missing
    }
}
