import FlecheSystem
import FlecheValue

/// Where a store's bytes go, by function: `fleche du`.
///
/// Each function's calls reach objects (their values, children included, through object
/// headers). An object reached by one function's calls only is that function's own; one
/// reached by several functions' calls (equal results, a shared sub-structure) is counted
/// under each of them as shared, and once in ``sharedBytes``, so that the store's total is
/// the sum of every function's manifests and own bytes, plus ``sharedBytes``, plus
/// ``unreachedBytes``. Bytes are the sizes of the files (compressed objects as stored).
public struct DiskUsage: Sendable {
    /// One function's part of the store.
    public struct Function: Sendable, Equatable {
        /// The function's name.
        public let name: String
        /// The module that declared it, when recorded.
        public let module: String?
        /// How many calls the store holds.
        public internal(set) var calls = 0
        /// The sizes of those calls' manifests.
        public internal(set) var manifestBytes = 0
        /// The sizes of the objects only this function's calls reach (what evicting every
        /// call of it and running gc would free, with its manifests).
        public internal(set) var ownBytes = 0
        /// The sizes of the objects this function's calls reach that another function's
        /// calls reach too.
        public internal(set) var sharedBytes = 0

        /// Manifests, own and shared bytes together: what this function's calls occupy.
        public var totalBytes: Int { manifestBytes + ownBytes + sharedBytes }

        /// `module.name`, or `name` when no module was recorded.
        public var qualifiedName: String { CallRecord.qualifiedName(name, module: module) }
    }

    /// The functions, the largest ``Function/totalBytes`` first.
    public private(set) var functions: [Function] = []
    /// Objects that more than one function's calls reach, each counted once.
    public private(set) var sharedBytes = 0
    /// Objects that no call reaches (gc removes them once they are older than its grace period).
    public private(set) var unreachedBytes = 0
    /// Every manifest and object file of the store.
    public private(set) var totalBytes = 0
    /// How many manifest and object files that is.
    public private(set) var files = 0

    /// Measures `store`: reads every manifest and every object's header (never a payload).
    /// A manifest that cannot be read is left out (with the warning the store logs).
    public init(store: FileStore) throws {
        var objectSizes: [Digest: Int] = [:]
        for key in try store.objects.keys() {
            guard let size = FileSystem.status(store.objects.path(of: key))?.size else { continue }
            objectSizes[key] = size
        }
        try self.init(calls: store.calls.references(), objectSizes: objectSizes) { try store.objects.reach(from: $0).reached }
    }

    /// Measures a store from what was read of it (a store folder, or a bucket): every
    /// call's function, object references and manifest size, every object's size, and
    /// `reach`, the objects that some roots reach, children included.
    package init(calls: [ManifestReferences], objectSizes: [Digest: Int], reach: ([Digest]) throws -> Set<Digest>) throws {
        // One dictionary lookup per call (a million calls: `fleche stats`), then arrays.
        var indexOf: [String: Int] = [:]
        var found: [Function] = []
        var roots: [[Digest]] = []
        for call in calls {
            let id = (call.module ?? "") + "\u{0}" + call.name
            let index: Int
            if let known = indexOf[id] {
                index = known
            } else {
                index = found.count
                indexOf[id] = index
                found.append(Function(name: call.name, module: call.module))
                roots.append([])
            }
            found[index].calls += 1
            found[index].manifestBytes += call.manifestBytes
            if !call.objectDigests.isEmpty { roots[index] += call.objectDigests }
        }
        // The functions that reach each object.
        var reachedBy: [Digest: [Int]] = [:]
        for (index, starts) in roots.enumerated() where !starts.isEmpty {
            for object in try reach(starts) {
                reachedBy[object, default: []].append(index)
            }
        }
        for (key, size) in objectSizes {
            files += 1
            totalBytes += size
            switch reachedBy[key] {
            case nil:
                unreachedBytes += size
            case let indices? where indices.count == 1:
                found[indices[0]].ownBytes += size
            case let indices?:
                sharedBytes += size
                for index in indices { found[index].sharedBytes += size }
            }
        }
        for function in found {
            files += function.calls
            totalBytes += function.manifestBytes
        }
        self.functions = found.sorted {
            ($0.totalBytes, $1.qualifiedName) > ($1.totalBytes, $0.qualifiedName)
        }
    }
}
