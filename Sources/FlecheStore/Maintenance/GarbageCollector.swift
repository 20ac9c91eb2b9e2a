import FlecheSystem
import FlecheValue
import Foundation

/// What one gc run found and removed (or would remove, in a dry run).
public struct GarbageCollectionReport: Sendable {
    /// Whether nothing was removed (a dry run).
    public var dryRun: Bool
    /// Objects reachable from the call manifests (directly or through child digests).
    public var reachableObjects = 0
    /// Every object seen.
    public var totalObjects = 0
    /// Unreachable objects removed (or that a dry run would remove).
    public var removed: [Digest] = []
    /// Bytes on disk those objects took.
    public var freedBytes = 0
    /// Unreachable objects kept because they are younger than the grace period, or were
    /// touched by a writer while gc ran.
    public var keptYoung = 0
    /// Recent call manifests (changed within the last hour) whose values are not all in the
    /// store: a copy still arriving, such as a `fleche push` between its manifests and its
    /// last pass. While there are any, gc removes no object.
    public var incompleteArrivals = 0
    /// Stale files removed from `tmp/` (untouched for the grace period and at least an hour).
    public var removedTemporaryFiles = 0
    /// Call lock files (`locks/`) that no process held: left by a holder that was killed.
    public var removedCallLocks = 0
    /// Read-only files in `links/` (what results were hard-linked to) whose content gc
    /// removed or that was gone.
    public var removedLinkSources = 0
    /// Calls the budget evicted, least recently used first (or that a dry run would evict).
    public var evicted: [Digest] = []
    /// Bytes on disk of the evicted calls' manifests (0 in a dry run).
    public var evictedBytes = 0
    /// With a budget: bytes on disk of the store's objects and manifests before gc.
    public var sizeBefore: Int?
    /// With a budget: bytes in the files of the store's objects and manifests before gc.
    package var fileBytesBefore: Int?
    /// Whether gc stopped after measuring: the store was under the collector's `startingSize`.
    package var measuredOnly = false
    /// With a budget: bytes on disk expected once the sweep is done (objects younger than the
    /// grace period that no call reaches stay, and count).
    public var projectedSize: Int?

    /// An empty report of a run (`dryRun`: one that removes nothing).
    public init(dryRun: Bool) { self.dryRun = dryRun }
}

/// Mark-and-sweep over a file store: marks every object a call manifest refers to, follows
/// child digests from object headers, and removes unreachable objects older than a grace
/// period.
///
/// Safe while other threads and processes keep writing (docs/FORMAT.md, "gc"):
/// 1. list objects and their ages (no lock): only objects older than the grace period,
///    judged by the later of mtime and ctime (so files that `rsync -a` brought with old
///    mtimes are young), are candidates;
/// 2. mark from every manifest (no lock). With a ``StoreBudget``, steps 1 and 2 are one
///    reading (`StoreReading`), from which the least recently used calls are then evicted
///    (`BudgetEviction`: their manifests are removed under the exclusive `gc.lock`, and the
///    objects they reached become candidates whatever their age) and the rest marked; a second
///    pass without the lock reads what changed during that. Then mark again under the
///    exclusive `gc.lock` from the manifests that are new or replaced since the last pass began
///    (by the later of mtime and ctime): under the lock no save is half done, so every manifest
///    written so far is seen with all its objects; stale temp files are removed here too;
/// 3. sweep each unreachable candidate by renaming it into `tmp/` first, then checking its
///    mtime again: a writer that re-saved the value in between refreshed it (or, after the
///    rename, found it absent and wrote it anew), so the object is put back instead of
///    deleted; then read the manifests that arrived since the locked mark without taking the
///    lock (rsync, `fleche push` from another machine) and put back every quarantined object
///    they reach; only then delete.
public struct GarbageCollector: Sendable {
    /// The store this collector sweeps.
    public let store: FileStore
    /// Unreachable objects younger than this many seconds are kept.
    public var gracePeriod: Double
    /// List what would go without removing anything.
    public var dryRun: Bool
    /// Called now and then with (phase, done, total) for a progress display.
    public var progress: (@Sendable (String, Int, Int) -> Void)?
    /// How large and old the store may be: least recently used calls are evicted first.
    public var budget: StoreBudget?
    /// With a budget: when the store's objects and manifests take fewer bytes on disk than
    /// this, gc stops once it has measured them (automatic trimming asks so).
    package var startingSize: Int?

    /// One hour: unreachable objects younger than this are kept.
    public static let defaultGracePeriod: Double = 3600

    /// A collector for `store`.
    /// - Parameters:
    ///   - store: the store to sweep.
    ///   - gracePeriod: seconds; unreachable objects younger than this (by the later of mtime and ctime) are kept.
    ///   - dryRun: report what would go without removing anything.
    ///   - progress: called with a phase name, the items done and the total, for a progress display.
    ///   - budget: how large and old the store may be; `nil`: calls are never evicted.
    public init(store: FileStore, gracePeriod: Double = defaultGracePeriod, dryRun: Bool = false,
                budget: StoreBudget? = nil, progress: (@Sendable (String, Int, Int) -> Void)? = nil) {
        self.store = store
        self.gracePeriod = gracePeriod
        self.dryRun = dryRun
        self.budget = budget
        self.progress = progress
    }

    private struct Candidate {
        let key: Digest
        let modified: Double
        let allocated: Int
    }

    /// Marks every object a manifest reaches and removes the unreachable ones older than the grace period.
    /// - Parameter now: the moment the grace period counts back from.
    /// - Returns: what was found and removed.
    /// - Throws: `FlecheError.corruptManifest` when a manifest cannot be read (nothing is removed then), `FlecheError.io` for a failed system call.
    public func run(now: Date = Date()) throws -> GarbageCollectionReport {
        var report = GarbageCollectionReport(dryRun: dryRun)
        let cutoff = now.timeIntervalSince1970 - gracePeriod
        let objects = store.objects

        var marking = Marking()
        var candidates: [Candidate] = []
        var young: [Digest] = []
        // Manifests changed since this moment are read again under the lock (1 s of slack for
        // coarse file timestamps, here and below).
        let deltaStart: Double
        if let budget, !budget.isUnlimited {
            // Every manifest changed since this moment is read again after the reading.
            let markStart = Date().timeIntervalSince1970 - 1
            // 1–2 with a budget: one reading serves the eviction, the candidates and the mark.
            var reading = try StoreReading(store: store, progress: progress)
            report.sizeBefore = reading.allocated
            report.fileBytesBefore = reading.bytes
            if let startingSize, reading.allocated < startingSize {
                report.measuredOnly = true
                report.projectedSize = reading.allocated
                report.totalObjects = reading.objects.count
                return report
            }
            reading.readManifests(progress: progress)
            let eviction = try BudgetEviction(store: store, budget: budget)
                .run(reading, now: now.timeIntervalSince1970, sweepCutoff: cutoff, dryRun: dryRun)
            report.evicted = eviction.evicted
            report.evictedBytes = eviction.evictedBytes
            report.projectedSize = eviction.projectedSize
            if let failure = reading.failure { throw failure }  // a manifest gc cannot read: stop
            marking = Marking(reading: reading, removed: dryRun ? [] : Set(eviction.evicted))
            report.totalObjects = reading.objects.count
            for (key, object) in reading.objects {
                if object.changed <= cutoff || eviction.released.contains(key) {
                    candidates.append(Candidate(key: key, modified: object.modified, allocated: object.allocated))
                } else {
                    young.append(key)
                }
            }
            // What an evicted call reached that was written after the reading listed objects
            // (the call was listed after): it goes with the call's other objects, or a young
            // parent would stay without its swept children.
            for key in eviction.released where reading.objects[key] == nil {
                guard let info = FileSystem.status(objects.path(of: key)), info.isRegular else { continue }
                candidates.append(Candidate(key: key, modified: info.modified, allocated: info.allocated))
            }
            // What changed while the store was read and calls evicted, still without the lock.
            deltaStart = Date().timeIntervalSince1970 - 1
            try mark(&marking, changedSince: markStart)
        } else {
            // 1. Candidates: objects older than the grace period.
            let keys = try objects.keys()
            report.totalObjects = keys.count
            for (index, key) in keys.enumerated() {
                if index % 1024 == 0 { progress?("scan", index, keys.count) }
                guard let info = FileSystem.status(objects.path(of: key)), info.isRegular else { continue }
                if max(info.modified, info.changed) <= cutoff {
                    candidates.append(Candidate(key: key, modified: info.modified, allocated: info.allocated))
                } else {
                    young.append(key)
                }
            }
            // 2. Mark: first without the lock, then under it only what changed meanwhile, so
            //    writers wait for a directory listing, not for a full read of every manifest.
            deltaStart = Date().timeIntervalSince1970 - 1
            try mark(&marking, changedSince: nil)
        }
        var lockedMarkStart = deltaStart
        let reachable = try store.lock.withExclusive { () throws -> Set<Digest> in
            lockedMarkStart = Date().timeIntervalSince1970 - 1
            try mark(&marking, changedSince: deltaStart)
            // Temp files idle for an hour at least, whatever the grace period: rsync (a push
            // from another machine) writes its temp files into tmp/ without the lock.
            if !dryRun { report.removedTemporaryFiles = try removeStaleTemporaryFiles(cutoff: min(cutoff, now.timeIntervalSince1970 - Self.arrivalWindow)) }
            return marking.reachable
        }
        // Call locks need no gc lock: one that no process holds is stale, whatever its age.
        if !dryRun { report.removedCallLocks = try store.removeUnheldCallLocks() }
        // The counter files of processes that have ended, folded into one.
        if !dryRun { _ = try? store.foldUsageStatistics() }
        report.reachableObjects = reachable.count
        report.keptYoung = young.count { !reachable.contains($0) }

        // 3. Sweep: move each unreachable candidate into tmp/ (putting back those a writer
        //    re-saved meanwhile), then read the manifests that arrived since the locked mark
        //    without taking the lock (rsync, another machine) and put back what they reach;
        //    only then delete.
        report.incompleteArrivals = marking.incompleteArrivals.count
        // While a copy is arriving (a recent manifest whose values are not all here yet),
        // what its missing objects would have marked cannot be told from garbage: sweep nothing.
        let garbage = marking.incompleteArrivals.isEmpty ? candidates.filter { !reachable.contains($0.key) } : []
        if !marking.incompleteArrivals.isEmpty { report.keptYoung += candidates.count { !reachable.contains($0.key) } }
        var quarantined: [(candidate: Candidate, path: String)] = []
        for (index, candidate) in garbage.enumerated() {
            if index % 1024 == 0 { progress?("sweep", index, garbage.count) }
            if dryRun {
                report.removed.append(candidate.key)
                report.freedBytes += candidate.allocated
            } else if let quarantine = try quarantine(candidate) {
                quarantined.append((candidate, quarantine))
            } else {
                report.keptYoung += 1  // re-saved by a writer while gc ran
            }
        }
        if !quarantined.isEmpty {
            let restored: Set<Digest>
            do {
                restored = try restoreLateArrivals(quarantined, marking: &marking, since: lockedMarkStart)
            } catch {
                // A manifest gc cannot read arrived: remove nothing.
                for (candidate, quarantine) in quarantined {
                    _ = try? FileSystem.linkIfAbsent(quarantine, to: store.objects.path(of: candidate.key))
                    _ = try? FileSystem.removeFile(quarantine)
                }
                throw error
            }
            for (candidate, quarantine) in quarantined {
                if restored.contains(candidate.key) {
                    report.keptYoung += 1
                } else {
                    report.removed.append(candidate.key)
                    report.freedBytes += candidate.allocated
                }
                try fenced { try FileSystem.removeFile(quarantine) }
            }
        }
        // Empty shard folders stay (256 at most in each of objects/ and calls/): rsync and
        // `fleche push` create one and rename a file into it without the lock, so removing
        // one could fail a transfer half way.
        // Read-only copies kept for hard links (links/) whose content is gone go with it.
        if !dryRun { report.removedLinkSources = store.objects.removeOrphanedLinkSources() }
        progress?("done", garbage.count, garbage.count)
        return report
    }

    /// The state of the mark phase.
    private struct Marking {
        var reachable = Set<Digest>()
        /// Manifests already read.
        var seen = Set<Digest>()
        /// Objects found missing while marking.
        var missing = Set<Digest>()
        /// Manifests changed within ``GarbageCollector/arrivalWindow`` that reach a missing
        /// object: a copy still arriving (a push sends the objects again after the manifests).
        var incompleteArrivals = Set<Digest>()

        init() {}

        /// The mark of a reading: every manifest listed is seen, and every call that read,
        /// but those `removed` since, marks what it reaches.
        init(reading: StoreReading, removed: Set<Digest>) {
            let recent = Date().timeIntervalSince1970 - GarbageCollector.arrivalWindow
            missing = reading.missing
            for call in reading.calls {
                seen.insert(call.key)
                guard let closure = call.closure, !removed.contains(call.key) else { continue }
                reachable.formUnion(closure)
                if !missing.isEmpty, max(call.lastUse, call.changed) >= recent, closure.contains(where: missing.contains) {
                    incompleteArrivals.insert(call.key)
                }
            }
        }
    }

    /// How recent a manifest with missing objects must be to count as still arriving.
    static let arrivalWindow: Double = 3600

    /// Marks every object reachable from the manifests: all of them, or (with
    /// `changedSince`) those not read yet and those replaced since then (a rename updates
    /// ctime). Manifests are never modified in place, so nothing else can have changed.
    private func mark(_ marking: inout Marking, changedSince: Double?) throws {
        var pending: [Digest] = []
        var toRead: [Digest] = []
        for key in try store.calls.keys() {
            if let changedSince, marking.seen.contains(key) {
                guard let info = FileSystem.status(store.calls.path(of: key)),
                      max(info.modified, info.changed) >= changedSince else { continue }
            }
            toRead.append(key)
        }
        progress?("mark", 0, toRead.count)
        let recent = Date().timeIntervalSince1970 - Self.arrivalWindow
        // Every manifest counts, trusted by this store's keys or not: its values are not garbage.
        for (key, result) in store.calls.loadAll(toRead, checkingSignatures: false) {
            marking.seen.insert(key)
            let record: CallRecord
            switch result {
            case .success(let loaded): record = loaded
            case .failure(let error as FlecheError) where error.isMiss: continue
            case .failure(let error): throw error  // a manifest gc cannot read: stop
            }
            let closure = record.objectDigests
            for digest in closure where marking.reachable.insert(digest).inserted { pending.append(digest) }
            walk(&pending, &marking)
            // A recent manifest whose values are not all here: a copy in progress.
            if !marking.missing.isEmpty, closureIsIncomplete(closure, marking),
               let info = FileSystem.status(store.calls.path(of: key)), max(info.modified, info.changed) >= recent {
                marking.incompleteArrivals.insert(key)
            }
        }
    }

    /// Follows child digests from `pending` through object headers, marking as it goes.
    private func walk(_ pending: inout [Digest], _ marking: inout Marking) {
        while let digest = pending.popLast() {
            guard let header = try? store.objects.header(digest) else {
                marking.missing.insert(digest)
                continue
            }
            for child in header.children where marking.reachable.insert(child).inserted { pending.append(child) }
        }
    }

    /// Whether an object reachable from `roots` is missing (only called when some are).
    private func closureIsIncomplete(_ roots: [Digest], _ marking: Marking) -> Bool {
        var seen = Set<Digest>()
        var pending = roots
        while let digest = pending.popLast() {
            guard seen.insert(digest).inserted else { continue }
            if marking.missing.contains(digest) { return true }
            guard let header = try? store.objects.header(digest) else { return true }
            pending += header.children
        }
        return false
    }

    /// Moves one unreachable object into `tmp/` and returns where, unless a writer refreshed
    /// it meanwhile (then it is put back, unless a writer already wrote it anew) or it is gone.
    private func quarantine(_ candidate: Candidate) throws -> String? {
        let path = store.objects.path(of: candidate.key)
        let quarantine = store.layout.temporaryPath() + ".gc"
        // A missing object (already gone) reads as a missing target folder: nothing to do.
        guard try fenced({ try FileSystem.rename(path, to: quarantine) }) == .renamed else { return nil }
        let info = FileSystem.status(quarantine)
        if let info, info.modified != candidate.modified {
            _ = try? FileSystem.linkIfAbsent(quarantine, to: path)
            try fenced { try FileSystem.removeFile(quarantine) }
            return nil
        }
        return quarantine
    }

    /// Puts back the quarantined objects that manifests new or replaced since `since` reach
    /// (manifests that arrived without the lock: rsync from another machine, `fleche push`),
    /// children included; returns their keys.
    private func restoreLateArrivals(
        _ quarantined: [(candidate: Candidate, path: String)], marking: inout Marking, since: Double
    ) throws -> Set<Digest> {
        try mark(&marking, changedSince: since)
        if !marking.incompleteArrivals.isEmpty { return Set(quarantined.map(\.candidate.key)) }
        let byKey = Dictionary(quarantined.map { ($0.candidate.key, $0.path) }, uniquingKeysWith: { first, _ in first })
        var restored = Set<Digest>()
        var wanted = marking.reachable.filter { byKey[$0] != nil }
        while !wanted.isEmpty {
            for key in wanted where restored.insert(key).inserted {
                _ = try? FileSystem.linkIfAbsent(byKey[key]!, to: store.objects.path(of: key))
            }
            // A put-back object's children may be quarantined too: its header is readable now.
            let reached = try store.objects.reach(from: wanted)
            wanted = reached.reached.union(reached.unreadable).filter { byKey[$0] != nil && !restored.contains($0) }
        }
        return restored
    }

    private func removeStaleTemporaryFiles(cutoff: Double) throws -> Int {
        var removed = 0
        let directory = store.layout.tmpDirectory
        for name in try fenced({ try FileSystem.entries(directory) }) ?? [] {
            let path = directory + "/" + name
            guard let info = FileSystem.status(path) else { continue }
            if info.isDirectory, name.hasPrefix(IncomingFolder.namePrefix) {
                // What a killed `fleche pull` left: its process no longer holds the lock.
                if try IncomingFolder.removeIfAbandoned(path, cutoff: cutoff) { removed += 1 }
                continue
            }
            guard info.isRegular, max(info.modified, info.changed) <= cutoff else { continue }
            if try fenced({ try FileSystem.removeFile(path) }) { removed += 1 }
        }
        return removed
    }
}
