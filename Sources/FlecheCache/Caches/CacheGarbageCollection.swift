import FlecheStore
import FlecheValue

extension Cache {
    /// Evicts what the store's budget says (least recently used first), then removes value
    /// objects that no call refers to (see `GarbageCollector`), as `fleche gc` does; a storage
    /// that maintains itself (an S3 bucket: `StoreMaintenance`) collects its own, with the
    /// grace period and its budget; a memory cache sweeps at once, with none.
    @discardableResult
    public func gc(gracePeriod: Double = GarbageCollector.defaultGracePeriod, dryRun: Bool = false) throws -> GarbageCollectionReport {
        if let store {
            return try GarbageCollector(store: store, gracePeriod: gracePeriod, dryRun: dryRun, budget: store.budget).run()
        }
        if let maintained = values as? any StoreMaintenance {
            return try maintained.collectGarbage(calls: calls, gracePeriod: gracePeriod, budget: maintained.budget, dryRun: dryRun)
        }
        var report = GarbageCollectionReport(dryRun: dryRun)
        var reachable = Set<Digest>()
        for (_, record) in try calls.records() {
            for reference in record.arguments.map(\.value) + [record.result].compactMap({ $0 }) where reference.inline == nil {
                reachable.insert(reference.digest)
            }
        }
        let keys = try values.keys()
        report.totalObjects = keys.count
        report.reachableObjects = keys.filter(reachable.contains).count
        for key in keys where !reachable.contains(key) {
            if try dryRun || values.evict(key) { report.removed.append(key) }
        }
        return report
    }
}
