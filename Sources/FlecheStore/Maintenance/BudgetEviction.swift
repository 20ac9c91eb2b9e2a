import FlecheSystem
import FlecheValue

/// The calls a ``StoreBudget`` evicts, and their eviction: first every call not used within
/// the budget's age, then the least recently used until the store's projected size (what
/// stays after gc's sweep) fits the budget. A call's last use is its manifest's mtime: a save
/// sets it, a hit refreshes it when it is more than an hour old, and `rsync -a` brings the
/// time of the last use on the machine the call came from.
///
/// The choice is made without the store's lock, from gc's reading of every manifest and
/// object header (``StoreReading``); the manifests are removed under the exclusive `gc.lock` (no save is half done
/// then), each only if its times are still those the choice saw: a call used or written again
/// meanwhile (its mtime or ctime changed) stays. The objects that evicted calls reached are then gc's to sweep whatever
/// their age, under gc's usual checks (a writer that saves one of them again refreshes it,
/// and the sweep puts it back).
struct BudgetEviction {
    let store: FileStore
    let budget: StoreBudget

    /// Manifests removed under one hold of the exclusive lock.
    static let removalsPerLock = 256

    /// What the eviction found and did.
    struct Outcome {
        /// Calls whose manifests were removed (or, in a dry run, would be).
        var evicted: [Digest] = []
        /// Objects the evicted calls reached: gc may sweep them whatever their age.
        var released = Set<Digest>()
        /// Bytes on disk of the manifests removed.
        var evictedBytes = 0
        /// Bytes on disk expected once gc has swept what no call reaches.
        var projectedSize = 0
    }

    /// Chooses from `reading` and (unless `dryRun`) evicts.
    /// - Parameters:
    ///   - reading: the store's objects and manifests, read (``StoreReading/readManifests(progress:)``).
    ///   - now: the moment ages count back from.
    ///   - sweepCutoff: unreachable objects last changed at or before this moment are gc's to
    ///     sweep (the grace period's start).
    ///   - dryRun: choose only.
    func run(_ reading: StoreReading, now: Double, sweepCutoff: Double, dryRun: Bool) throws -> Outcome {
        var outcome = Outcome()
        // A manifest that does not read is verify's to judge: it stays, and so does all it may
        // reach (gc stops on it before its sweep).
        var calls = reading.calls.filter { $0.closure != nil }
        var references: [Digest: Int] = [:]
        for call in calls {
            for digest in call.closure! { references[digest, default: 0] += 1 }
        }
        // What gc's sweep removes anyway: old objects no call reaches.
        outcome.projectedSize = reading.allocated
        for (key, object) in reading.objects where references[key] == nil && object.changed <= sweepCutoff {
            outcome.projectedSize -= object.allocated
        }
        // Oldest use first, then by key (the order of their hex names), so that equal times
        // choose alike everywhere. Digests compare as bytes: no hex string is made.
        calls.sort { $0.lastUse != $1.lastUse ? $0.lastUse < $1.lastUse : $0.key < $1.key }
        var chosen: [StoreReading.CallEntry] = []
        for call in calls {
            let tooOld = budget.maxAge.map { call.lastUse < now - $0 } ?? false
            let tooLarge = budget.maxSize.map { outcome.projectedSize > $0 } ?? false
            // Sorted by last use: once a call is neither too old nor needed for size, none after is.
            guard tooOld || tooLarge else { break }
            chosen.append(call)
            outcome.projectedSize -= call.allocated
            for digest in call.closure! {
                references[digest]! -= 1
                if references[digest] == 0, let object = reading.objects[digest] { outcome.projectedSize -= object.allocated }
            }
        }
        guard !dryRun else {
            outcome.evicted = chosen.map(\.key)
            return outcome
        }
        // A few hundred removals per hold of the lock, so that no save waits long for it.
        var evicted: [StoreReading.CallEntry] = []
        for start in stride(from: 0, to: chosen.count, by: Self.removalsPerLock) {
            let batch = chosen[start..<min(start + Self.removalsPerLock, chosen.count)]
            evicted += try store.lock.withExclusive { () throws -> [StoreReading.CallEntry] in
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
        outcome.evictedBytes = evicted.reduce(0) { $0 + $1.allocated }
        for call in evicted { outcome.released.formUnion(call.closure!) }
        return outcome
    }
}
