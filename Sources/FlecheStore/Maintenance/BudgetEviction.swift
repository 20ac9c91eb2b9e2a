import FlecheSystem
import FlecheValue

/// The calls a ``StoreBudget`` evicts, and their eviction: first every call not used within
/// the budget's age, then the least recently used until the store's projected size (what
/// stays after gc's sweep) fits the budget. A call's last use is its manifest's mtime: a save
/// sets it, a hit refreshes it when it is more than an hour old, and `rsync -a` brings the
/// time of the last use on the machine the call came from.
///
/// The choice is made without the store's lock, from a reading of every manifest and object
/// header; the manifests are removed under the exclusive `gc.lock` (no save is half done
/// then), each only if its times are still those the choice saw: a call used or written again
/// meanwhile (its mtime or ctime changed) stays. The objects that evicted calls reached are then gc's to sweep whatever
/// their age, under gc's usual checks (a writer that saves one of them again refreshes it,
/// and the sweep puts it back).
struct BudgetEviction {
    let store: FileStore
    let budget: StoreBudget
    var progress: (@Sendable (String, Int, Int) -> Void)?

    /// Manifests removed under one hold of the exclusive lock.
    static let removalsPerLock = 256

    /// What the eviction found and did.
    struct Outcome {
        /// Calls whose manifests were removed (or, in a dry run, would be).
        var evicted: [Digest] = []
        /// Objects the evicted calls reached: gc may sweep them whatever their age.
        var released = Set<Digest>()
        /// Bytes on disk of the store's objects and manifests before.
        var sizeBefore = 0
        /// Bytes on disk expected once gc has swept what no call reaches.
        var projectedSize = 0
    }

    private struct CallEntry {
        let key: Digest
        let lastUse: Double
        /// The manifest's ctime when chosen: a rename over it (a save, an arrival) changes it.
        let changed: Double
        let allocated: Int
        let closure: [Digest]
    }

    /// Chooses and (unless `dryRun`) evicts.
    /// - Parameters:
    ///   - now: the moment ages count back from.
    ///   - sweepCutoff: unreachable objects last changed at or before this moment are gc's to
    ///     sweep (the grace period's start).
    ///   - dryRun: choose only.
    func run(now: Double, sweepCutoff: Double, dryRun: Bool) throws -> Outcome {
        var outcome = Outcome()
        // Objects: their sizes and ages.
        var objectSizes: [Digest: Int] = [:]
        var objectChanged: [Digest: Double] = [:]
        let objectKeys = try store.objects.keys()
        for (index, key) in objectKeys.enumerated() {
            if index % 1024 == 0 { progress?("budget: objects", index, objectKeys.count) }
            guard let info = FileSystem.status(store.objects.path(of: key)), info.isRegular else { continue }
            objectSizes[key] = info.allocated
            objectChanged[key] = max(info.modified, info.changed)
            outcome.sizeBefore += info.allocated
        }
        // Calls: last use, size, and every object each reaches.
        var children: [Digest: [Digest]] = [:]
        func closure(of roots: [Digest]) -> [Digest] {
            var seen = Set<Digest>()
            var pending = roots
            while let digest = pending.popLast() {
                guard seen.insert(digest).inserted else { continue }
                if children[digest] == nil { children[digest] = (try? store.objects.header(digest))??.children ?? [] }
                pending += children[digest]!
            }
            return Array(seen)
        }
        var calls: [CallEntry] = []
        var references: [Digest: Int] = [:]
        let callKeys = try store.calls.keys()
        for (index, (key, result)) in store.calls.loadAll(callKeys, checkingSignatures: false).enumerated() {
            if index % 1024 == 0 { progress?("budget: calls", index, callKeys.count) }
            guard let info = FileSystem.status(store.calls.path(of: key)), info.isRegular else { continue }
            outcome.sizeBefore += info.allocated
            // A manifest that does not read is verify's to judge: it stays, and so does all it may reach.
            guard case .success(let record) = result else { continue }
            let reached = closure(of: record.objectDigests)
            for digest in reached { references[digest, default: 0] += 1 }
            calls.append(CallEntry(
                key: key, lastUse: info.modified, changed: info.changed, allocated: info.allocated, closure: reached))
        }
        // What gc's sweep removes anyway: old objects no call reaches.
        outcome.projectedSize = outcome.sizeBefore
        for (key, size) in objectSizes where references[key] == nil && objectChanged[key]! <= sweepCutoff {
            outcome.projectedSize -= size
        }
        // Oldest use first: by age, then by size.
        calls.sort { ($0.lastUse, $0.key.hex) < ($1.lastUse, $1.key.hex) }
        var chosen: [CallEntry] = []
        for call in calls {
            let tooOld = budget.maxAge.map { call.lastUse < now - $0 } ?? false
            let tooLarge = budget.maxSize.map { outcome.projectedSize > $0 } ?? false
            // Sorted by last use: once a call is neither too old nor needed for size, none after is.
            guard tooOld || tooLarge else { break }
            chosen.append(call)
            outcome.projectedSize -= call.allocated
            for digest in call.closure {
                references[digest]! -= 1
                if references[digest] == 0, let size = objectSizes[digest] { outcome.projectedSize -= size }
            }
        }
        guard !dryRun else {
            outcome.evicted = chosen.map(\.key)
            return outcome
        }
        // A few hundred removals per hold of the lock, so that no save waits long for it.
        var evicted: [CallEntry] = []
        for start in stride(from: 0, to: chosen.count, by: Self.removalsPerLock) {
            let batch = chosen[start..<min(start + Self.removalsPerLock, chosen.count)]
            evicted += try store.lock.withExclusive { () throws -> [CallEntry] in
                try batch.filter { call in
                    let path = store.calls.path(of: call.key)
                    guard let info = FileSystem.status(path), info.modified == call.lastUse, info.changed == call.changed else {
                        return false  // used or written again since it was chosen
                    }
                    return try fenced { try FileSystem.removeFile(path) }
                }
            }
        }
        outcome.evicted = evicted.map(\.key)
        for call in evicted { outcome.released.formUnion(call.closure) }
        return outcome
    }
}
