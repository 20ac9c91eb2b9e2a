import FlecheStore
import FlecheValue

/// One reading of an S3 store, what `fleche stats` and `fleche du` show of it: the listings
/// of `calls/` and `objects/`, every manifest, and every object's header (a ranged `GET`
/// each, ``S3Client/maximumInFlight`` at a time; never a payload).
///
/// Sizes are those of the files as stored (compressed objects, manifests); a bucket has no
/// blocks, so ``statistics``'s `bytesOnDisk` is the sum of the two. A manifest that cannot
/// be read is counted in the statistics and left out of the functions.
public struct S3Inventory: Sendable {
    /// Calls, objects and their sizes.
    public let statistics: StoreStatistics
    /// The store's bytes by function.
    public let diskUsage: DiskUsage

    /// Reads the store of these two storages.
    /// - Throws: ``S3Error`` when a request fails.
    public init(objects: S3ObjectStorage, calls: S3CallStorage) throws {
        var statistics = StoreStatistics()
        let listedCalls = try calls.folder.list()
        var manifestSizes: [Digest: Int] = [:]
        for (key, info) in listedCalls { manifestSizes[key] = info.size }
        statistics.calls = listedCalls.count
        statistics.manifestBytes = manifestSizes.values.reduce(0, +)
        var records: [ManifestReferences] = []
        for (key, result) in try calls.loadAll(listedCalls.map(\.digest)) {
            guard case .success(let record) = result else { continue }
            records.append(ManifestReferences(
                name: record.name, module: record.module, objectDigests: record.objectDigests, manifestBytes: manifestSizes[key] ?? 0))
        }

        let listedObjects = try objects.folder.list()
        var objectSizes: [Digest: Int] = [:]
        for (digest, info) in listedObjects { objectSizes[digest] = info.size }
        let headers = try objects.headers(of: listedObjects.map(\.digest))
        statistics.objects = listedObjects.count
        statistics.objectFileBytes = objectSizes.values.reduce(0, +)
        statistics.payloadBytes = headers.values.reduce(0) { $0 + $1.payloadSize }
        statistics.bytesOnDisk = statistics.objectFileBytes + statistics.manifestBytes
        self.statistics = statistics

        // What roots reach, through the headers read above (a root not in the bucket reaches nothing).
        let present = Set(objectSizes.keys)
        diskUsage = try DiskUsage(calls: records, objectSizes: objectSizes) {
            S3GarbageCollector.closure(of: $0, headers: headers, present: present)
        }
    }
}
