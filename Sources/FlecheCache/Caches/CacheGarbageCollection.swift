import FlecheStore
import FlecheValue

extension Cache {
    /// Removes value objects that no call refers to (see `GarbageCollector`); a memory
    /// cache sweeps at once, with no grace period.
    @discardableResult
    public func gc(gracePeriod: Double = GarbageCollector.defaultGracePeriod, dryRun: Bool = false) throws -> GarbageCollectionReport {
        if let store {
            return try GarbageCollector(store: store, gracePeriod: gracePeriod, dryRun: dryRun).run()
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
