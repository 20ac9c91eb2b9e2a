import FlecheStore
import FlecheValue
import Foundation
import NIOCore

/// The calls a ``StoreBudget`` evicts from an S3 store, and their eviction, as a file
/// store's budget does: first every call not used within the budget's age, then the least
/// recently used until the store's projected size (what stays after gc's sweep) fits.
///
/// A call's last use is its manifest's `LastModified`: a save sets it, a hit renews it when
/// it is more than an hour old (a copy onto itself), and a push brings the time of the push.
/// A manifest is deleted only if a `HEAD` just before shows the time the choice saw: a call
/// used or written again meanwhile stays (S3 has no lock: one renewed between that `HEAD`
/// and the delete is lost, and computed again on its next call). The objects of evicted
/// calls are then the sweep's, under its usual grace period.
struct S3BudgetEviction {
    let budget: StoreBudget
    let calls: S3CallStorage

    /// One listed manifest and what its call reaches (children included, in the bucket).
    struct Call {
        let key: Digest
        let lastUse: Date
        let size: Int
        let closure: Set<Digest>
    }

    /// What the eviction found and did.
    struct Outcome {
        /// Calls whose manifests were deleted (or, in a dry run, would be).
        var evicted: [Digest] = []
        /// Bytes of the manifests deleted.
        var evictedBytes = 0
        /// Bytes of every object and manifest listed.
        var sizeBefore = 0
        /// Bytes expected once the sweep is done.
        var projectedSize = 0
    }

    /// Chooses from the listed calls and objects and (unless `dryRun`) deletes.
    /// - Parameters:
    ///   - objects: every listed object's size and whether the sweep may remove it once no
    ///     call reaches it (older than the grace period).
    ///   - now: the moment ages count back from.
    func run(_ listed: [Call], objects: [Digest: (size: Int, sweepable: Bool)], now: Date, dryRun: Bool) throws -> Outcome {
        var outcome = Outcome()
        var references: [Digest: Int] = [:]
        for call in listed {
            for digest in call.closure { references[digest, default: 0] += 1 }
        }
        outcome.sizeBefore = objects.values.reduce(0) { $0 + $1.size } + listed.reduce(0) { $0 + $1.size }
        outcome.projectedSize = outcome.sizeBefore
        for (digest, object) in objects where references[digest] == nil && object.sweepable {
            outcome.projectedSize -= object.size
        }
        // Oldest use first, then by key, so that equal times choose alike everywhere.
        let ordered = listed.sorted { $0.lastUse != $1.lastUse ? $0.lastUse < $1.lastUse : $0.key < $1.key }
        var chosen: [Call] = []
        for call in ordered {
            let tooOld = budget.maxAge.map { call.lastUse < now.addingTimeInterval(-$0) } ?? false
            let tooLarge = budget.maxSize.map { outcome.projectedSize > $0 } ?? false
            guard tooOld || tooLarge else { break }  // sorted by last use: none after is either
            chosen.append(call)
            outcome.projectedSize -= call.size
            for digest in call.closure {
                references[digest]! -= 1
                if references[digest] == 0, let object = objects[digest], object.sweepable { outcome.projectedSize -= object.size }
            }
        }
        guard !dryRun else {
            outcome.evicted = chosen.map(\.key)
            return outcome
        }
        let client = calls.client
        let folder = calls.folder
        let deleted = try client.inParallel(chosen) { call in
            client.headFuture(folder.key(call.key)).flatMap { info -> EventLoopFuture<Bool> in
                // S3's times have a second's resolution in a HEAD, finer in a listing.
                guard let info, let modified = info.lastModified, abs(modified.timeIntervalSince(call.lastUse)) < 1 else {
                    return client.eventLoop.makeSucceededFuture(false)  // used or written again since the choice
                }
                return client.deleteFuture(folder.key(call.key)).map { true }
            }
        }
        for (call, gone) in zip(chosen, deleted) where gone {
            outcome.evicted.append(call.key)
            outcome.evictedBytes += call.size
        }
        return outcome
    }
}
