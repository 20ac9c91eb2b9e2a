import FlecheCache
import FlecheStore
import FlecheValue
/// What a transfer did.
public struct TransferReport: Sendable, Equatable {
    /// Calls copied to the destination (their keys there).
    public var transferred: [Digest] = []
    /// Calls the destination already had and kept (not copied, not popped).
    public var skippedExisting: [Digest] = []
    /// Calls whose result is missing from the source, left where they are.
    public var skippedIncomplete: [Digest] = []
    /// Calls evicted from the source after the copy (`pop`).
    public var popped: [Digest] = []
}

extension CallQuery {
    /// Copies the matching calls, with their values and metadata, to `destination`.
    ///
    /// - Parameters:
    ///   - destination: the cache that receives the calls.
    ///   - pop: evict each copied call from the queried cache afterwards (a move).
    ///   - overwrite: replace calls the destination already has; by default they are
    ///     skipped (one warning says how many; the destination keeps its own metadata) and
    ///     not popped.
    ///   - progress: called now and then with the calls done and their total, for a
    ///     progress display.
    /// - Throws: `FlecheError/rejected(_:)` from a destination that takes no writes.
    @discardableResult
    public func transfer(
        to destination: any BaseCache, pop: Bool = false, overwrite: Bool = false, progress: ((Int, Int) -> Void)? = nil
    ) throws -> TransferReport {
        var report = TransferReport()
        let calls = try calls()
        for (index, call) in calls.enumerated() {
            if index % 64 == 0 { progress?(index, calls.count) }
            if !overwrite, try destination.contains(call.key) {
                report.skippedExisting.append(call.key)
                continue
            }
            let full: Call
            do {
                full = try call.fetch()
            } catch let error as FlecheError where error.isMiss {
                log.warning("transfer skips a call whose result is missing", metadata: ["key": "\(call.key.hex)"])
                report.skippedIncomplete.append(call.key)
                continue
            }
            report.transferred.append(try destination.save(full))
            if pop, try cache.evict(call.key) { report.popped.append(call.key) }
        }
        if !report.skippedExisting.isEmpty {
            log.warning("transfer skipped calls the destination already has (pass overwrite to replace them)",
                        metadata: ["count": "\(report.skippedExisting.count)", "first": "\(report.skippedExisting[0].hex)"])
        }
        return report
    }
}

extension TransferReport {
    /// The report as `fleche transfer --json` prints it.
    public var json: JSON {
        .object([
            ("transferred", .array(transferred.map { .string($0.hex) })),
            ("skipped_existing", .array(skippedExisting.map { .string($0.hex) })),
            ("skipped_incomplete", .array(skippedIncomplete.map { .string($0.hex) })),
            ("popped", .array(popped.map { .string($0.hex) })),
        ])
    }
}
