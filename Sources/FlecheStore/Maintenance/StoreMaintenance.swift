import FlecheValue

/// A value storage kept somewhere other than a store folder (an S3 bucket) that collects
/// its own garbage and checks itself: what `Cache.gc` and `fleche gc`/`verify` run on a
/// cache without a file store.
public protocol StoreMaintenance: ValueStorage {
    /// How large and old the store may be: what `Cache.gc` enforces (`nil`: no limit).
    var budget: StoreBudget? { get }

    /// Evicts the calls `budget` says (least recently used first; none when `nil`), then
    /// removes the objects that no manifest of `calls` reaches and that are older than
    /// `gracePeriod` seconds (none of either with `dryRun`).
    func collectGarbage(calls: any CallStorage, gracePeriod: Double, budget: StoreBudget?, dryRun: Bool) throws -> GarbageCollectionReport

    /// Reads back every manifest of `calls` and every object: what is corrupt, misfiled,
    /// missing or does not digest to its name; with `repair`, moves what is damaged aside
    /// so that the next call computes it again.
    func verify(calls: any CallStorage, repair: Bool) throws -> VerificationReport
}
