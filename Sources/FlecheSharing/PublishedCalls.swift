import FlecheStore
import FlecheValue

/// The calls a push publishes and the objects they reach (children included), read from
/// the local store; calls whose values are missing or unreadable are set aside.
struct PublishedCalls {
    /// The calls to publish.
    private(set) var calls: [Digest] = []
    /// Every object those calls reach.
    private(set) var objects = Set<Digest>()
    /// Calls left out: a value they need is missing or unreadable here.
    private(set) var incomplete: [Digest] = []
    /// Calls left out because their manifest could not be read (with a warning).
    private(set) var unreadable: [Digest] = []
    private var roots: [Digest: [Digest]] = [:]
    private let store: FileStore

    /// The calls `template` matches (all when `nil`).
    init(store: FileStore, template: CallTemplate?) throws {
        let matcher = try template?.matcher(using: store.format.algorithm)
        try self.init(store: store, records: store.calls.records().filter { matcher?.matches($0.record) ?? true })
    }

    /// The calls `keys` (those that cannot be read are left out, with a warning).
    init(store: FileStore, keys: [Digest]) throws {
        var records: [(key: Digest, record: CallRecord)] = []
        var unreadable: [Digest] = []
        for key in keys {
            do {
                records.append((key, try store.calls.load(key)))
            } catch let error as FlecheError {
                if !error.isMiss { log.warning("push skips an unreadable call", metadata: ["key": "\(key.hex)", "error": "\(error)"]) }
                unreadable.append(key)
            }
        }
        try self.init(store: store, records: records)
        self.unreadable = unreadable
    }

    private init(store: FileStore, records: [(key: Digest, record: CallRecord)]) throws {
        self.store = store
        for (key, record) in records {
            roots[key] = record.objectDigests
        }
        let (reached, unreadable) = try store.objects.reach(from: roots.values.joined())
        if unreadable.isEmpty {
            calls = Array(roots.keys)
            objects = reached
            return
        }
        // Some value is missing: find the calls that need it, one by one.
        for (key, callRoots) in roots {
            let own = try store.objects.reach(from: callRoots)
            if own.unreadable.isEmpty {
                calls.append(key)
                objects.formUnion(own.reached)
            } else {
                incomplete.append(key)
            }
        }
    }

    /// The objects the calls `keys` reach: for calls of this selection, from what it read;
    /// for others (a walk of `calls/` also sends manifests saved here after the selection
    /// was made), from their manifests.
    func objects(reachedBy keys: [Digest]) throws -> Set<Digest> {
        let known = keys.filter { roots[$0] != nil }
        if known.count == keys.count, known.count == roots.count { return objects }
        var starts = known.flatMap { roots[$0] ?? [] }
        for key in keys where roots[key] == nil {
            starts += (try? store.calls.load(key).objectDigests) ?? []
        }
        return try store.objects.reach(from: starts).reached
    }
}

/// The rule for which stores can exchange files.
enum Compatibility {
    /// Both sides must use the same format version and digest algorithm (object names and
    /// call keys are digests); compression, inlining and destructuring may differ, since
    /// every reader reads every choice of them.
    static func check(local: FileStore, remote formatBytes: [UInt8], address: StoreAddress) throws {
        let remote: StoreFormat
        do {
            remote = try StoreFormat(fileBytes: formatBytes, path: address.description)
        } catch let error as FlecheError {
            throw SharingError.incompatible(local: local.root, remote: address.description, reason: "its FORMAT: \(error)")
        }
        guard remote.version == local.format.version else {
            throw SharingError.incompatible(
                local: local.root, remote: address.description,
                reason: "format version \(remote.version) there, \(local.format.version) here")
        }
        guard remote.algorithm == local.format.algorithm else {
            throw SharingError.incompatible(
                local: local.root, remote: address.description,
                reason: "digest \(remote.algorithm.rawValue) there, \(local.format.algorithm.rawValue) here")
        }
    }
}
