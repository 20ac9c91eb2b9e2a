import FlecheStore
import FlecheValue
import Foundation
import NIOCore

/// Mark and sweep over an S3 store: lists the objects, then marks every object a manifest
/// reaches (through the child digests of object headers, read with ranged `GET`s), then
/// deletes the unreached objects older than the grace period, each looked at again (`HEAD`)
/// just before its delete.
///
/// S3 has no lock, so the grace period is what keeps a writer's new objects: a writer puts
/// a call's objects before its manifest, and an object it finds there already is put again
/// (renewing its `LastModified`) unless it is larger than 256 KiB and was written within the
/// hour. docs/FORMAT.md ("S3", gc) states what the grace protects and what it cannot.
struct S3GarbageCollector {
    let objects: S3ObjectStorage
    let calls: any CallStorage
    let gracePeriod: Double
    /// How large and old the store may be (``S3BudgetEviction``); `nil`: no call is evicted.
    let budget: StoreBudget?
    let dryRun: Bool

    func run() throws -> GarbageCollectionReport {
        var report = GarbageCollectionReport(dryRun: dryRun)
        let started = Date()
        let cutoff = started.addingTimeInterval(-gracePeriod)
        let folder = objects.folder
        let client = folder.client
        // Objects first: one written after this listing is not a candidate, whatever the marking finds.
        let listed = try folder.list()
        var sizes: [Digest: Int] = [:]
        for (digest, info) in listed { sizes[digest] = info.size }
        report.totalObjects = listed.count

        // Every manifest, downloaded in parallel; one that cannot be read stops gc before it
        // removes anything (its objects are unknown), as in a file store.
        let s3Calls = calls as? S3CallStorage
        let listedCalls = try s3Calls?.folder.list() ?? calls.keys().map { ($0, S3ObjectInfo(key: "", size: 0, lastModified: nil)) }
        let loaded = try s3Calls?.loadAll(listedCalls.map(\.digest))
            ?? listedCalls.map { key, _ in (key, Result { try calls.load(key) }) }
        var roots: [Digest: [Digest]] = [:]
        for (key, result) in loaded {
            switch result {
            case .success(let record): roots[key] = record.objectDigests
            case .failure(let error as FlecheError) where error.isMiss: continue  // evicted meanwhile
            case .failure(let error): throw error
            }
        }
        var reached = Set(roots.values.joined())
        let present = Set(sizes.keys)
        var headers: [Digest: S3ObjectHeader] = [:]
        try objects.reach(from: Array(reached), into: &reached, listed: present, headers: &headers)

        if let budget, !budget.isUnlimited {
            guard let s3Calls else { throw FlecheError.invalidArguments("an S3 store's budget is kept with its own call storage") }
            let times = Dictionary(listed.map { ($0.digest, $0.info.lastModified) }) { first, _ in first }
            func sweepable(_ digest: Digest) -> Bool { times[digest].flatMap { $0 }.map { $0 < cutoff } ?? false }
            var closures: [Digest: Set<Digest>] = [:]
            let entries = listedCalls.compactMap { key, info -> S3BudgetEviction.Call? in
                guard let starts = roots[key], let modified = info.lastModified else { return nil }
                let closure = Self.closure(of: starts, headers: headers, present: present)
                closures[key] = closure
                return .init(key: key, lastUse: modified, size: info.size, closure: closure)
            }
            let outcome = try S3BudgetEviction(budget: budget, calls: s3Calls).run(
                entries, objects: sizes.reduce(into: [:]) { $0[$1.key] = ($1.value, sweepable($1.key)) }, now: started, dryRun: dryRun)
            report.evicted = outcome.evicted
            report.evictedBytes = outcome.evictedBytes
            report.sizeBefore = outcome.sizeBefore
            report.projectedSize = outcome.projectedSize
            // What the calls that stay reach (as if the chosen were gone, in a dry run too).
            let gone = Set(outcome.evicted)
            reached = Set(closures.filter { !gone.contains($0.key) }.values.joined())
                .union(roots.filter { closures[$0.key] == nil }.values.joined())
        }
        report.reachableObjects = listed.count { reached.contains($0.digest) }

        // An object kept for the grace period keeps what it reaches: the objects of a call in
        // flight whose top is young and whose children are older, or of a young call evicted.
        let young = listed.filter { !reached.contains($0.digest) && !($0.info.lastModified.map { $0 < cutoff } ?? false) }.map(\.digest)
        var keptForYoung = reached
        for digest in young { keptForYoung.insert(digest) }
        try objects.reach(from: young, into: &keptForYoung, listed: present, headers: &headers)
        var candidates: [Digest] = []
        for (digest, _) in listed where !reached.contains(digest) {
            if keptForYoung.contains(digest) { report.keptYoung += 1 } else { candidates.append(digest) }
        }
        if dryRun {
            report.removed = candidates
            report.freedBytes = candidates.reduce(0) { $0 + (sizes[$1] ?? 0) }
            return report
        }
        // Looked at again just before the delete: a writer may have put it again since the listing.
        let removed = try client.inParallel(candidates) { digest in
            client.headFuture(folder.key(digest)).flatMap { info -> EventLoopFuture<Bool> in
                guard let info, let modified = info.lastModified, modified < cutoff else {
                    return client.eventLoop.makeSucceededFuture(false)
                }
                return client.deleteFuture(folder.key(digest)).map { true }
            }
        }
        for (digest, gone) in zip(candidates, removed) {
            if gone {
                report.removed.append(digest)
                report.freedBytes += sizes[digest] ?? 0
            } else {
                report.keptYoung += 1
            }
        }
        return report
    }

    /// What `starts` reach through `headers`, children included (only objects in the bucket).
    static func closure(of starts: [Digest], headers: [Digest: S3ObjectHeader], present: Set<Digest>) -> Set<Digest> {
        var reached = Set<Digest>()
        var pending = starts.filter { present.contains($0) && reached.insert($0).inserted }
        while let digest = pending.popLast() {
            for child in headers[digest]?.children ?? [] where present.contains(child) && reached.insert(child).inserted {
                pending.append(child)
            }
        }
        return reached
    }
}
