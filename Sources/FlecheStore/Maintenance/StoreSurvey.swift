import FlecheValue

/// One reading of a store that serves `fleche stats`: its ``StoreStatistics`` and its
/// ``DiskUsage`` by function.
///
/// ``FileStore/statistics()`` and ``DiskUsage/init(store:)`` each list the store and look at
/// every file; together they listed `calls/` twice, `stat`ed every manifest by path and then
/// opened and read it (on a store of a million calls, 9 s). A survey lists once and reads
/// every manifest once on all cores, taking its allocation from an `fstat` of the open file.
public struct StoreSurvey: Sendable {
    /// What the store holds, as ``FileStore/statistics()`` counts it.
    public let statistics: StoreStatistics
    /// Where its bytes go, as ``DiskUsage/init(store:)`` measures them.
    public let diskUsage: DiskUsage

    /// Surveys `store`: every manifest read once (its references, size and allocation), every
    /// object's size and header (never a payload).
    /// - Throws: `FlecheError.io` when `calls/` or `objects/` cannot be listed.
    public init(store: FileStore) throws {
        var statistics = StoreStatistics()
        var objectSizes: [Digest: Int] = [:]
        try store.countObjects(into: &statistics) { key, size in objectSizes[key] = size }
        let manifests = store.calls.measuredReferences(of: try store.calls.keys())
        for manifest in manifests {
            statistics.calls += 1
            statistics.manifestBytes += manifest.size
            statistics.bytesOnDisk += manifest.allocated
        }
        statistics.temporaryFiles = try store.temporaryFileCount()
        self.statistics = statistics
        self.diskUsage = try DiskUsage(calls: manifests.compactMap(\.references), objectSizes: objectSizes) {
            try store.objects.reach(from: $0).reached
        }
    }
}
