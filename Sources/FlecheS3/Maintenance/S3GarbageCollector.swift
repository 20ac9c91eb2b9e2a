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
    let dryRun: Bool

    func run() throws -> GarbageCollectionReport {
        var report = GarbageCollectionReport(dryRun: dryRun)
        let started = Date()
        let folder = objects.folder
        let client = folder.client
        // Objects first: one written after this listing is not a candidate, whatever the marking finds.
        let listed = try folder.list()
        var sizes: [Digest: Int] = [:]
        for (digest, info) in listed { sizes[digest] = info.size }
        report.totalObjects = listed.count

        var reached = Set<Digest>()
        var pending: [Digest] = []  // reached, children not yet followed
        // Every manifest, downloaded in parallel; one that cannot be read stops gc before it
        // removes anything (its objects are unknown), as in a file store.
        let loaded: [(Digest, Result<CallRecord, any Error>)]
        if let s3Calls = calls as? S3CallStorage {
            loaded = try s3Calls.loadAll(s3Calls.keys())
        } else {
            loaded = try calls.keys().map { key in (key, Result { try calls.load(key) }) }
        }
        for (_, result) in loaded {
            let record: CallRecord
            switch result {
            case .success(let found): record = found
            case .failure(let error as FlecheError) where error.isMiss: continue  // evicted meanwhile
            case .failure(let error): throw error
            }
            for reference in record.arguments.map(\.value) + [record.result].compactMap({ $0 })
            where reference.inline == nil && reached.insert(reference.digest).inserted {
                pending.append(reference.digest)
            }
        }
        let present = Set(sizes.keys)
        var headers: [Digest: S3ObjectHeader] = [:]
        try objects.reach(from: pending, into: &reached, listed: present, headers: &headers)
        report.reachableObjects = listed.count { reached.contains($0.digest) }

        let cutoff = started.addingTimeInterval(-gracePeriod)
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
}
