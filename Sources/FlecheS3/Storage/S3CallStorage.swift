import FlecheStore
import FlecheValue
import Foundation

/// Call manifests under `<prefix>/calls/` in a bucket, byte for byte the file store's.
/// A `PUT` replaces a manifest whole, so a reader sees the old record or the new one.
public final class S3CallStorage: CallStorage {
    /// The store's digest algorithm, from its `FORMAT`.
    public let algorithm: DigestAlgorithm
    let folder: S3Folder
    /// A hit renews its manifest's `Last-Modified` (a copy onto itself, no bytes sent) when
    /// it is older than this (seconds): the last use that a budget's least-recently-used
    /// order reads, to within this much, as a file store's mtime.
    let useRefreshInterval: Double

    init(client: S3Client, algorithm: DigestAlgorithm, useRefreshInterval: Double = 3_600) {
        self.algorithm = algorithm
        self.folder = S3Folder(client: client, name: "calls", algorithm: algorithm)
        self.useRefreshInterval = useRefreshInterval
    }

    /// The client of the store's bucket (its ``S3Client/location`` is the store's).
    public var client: S3Client { folder.client }

    /// `s3://bucket/<prefix>/calls/ab/cd…` of `key`.
    public func location(of key: Digest) -> String { folder.display(key) }

    /// Every key in the folder, listed from the bucket.
    public func keys() throws -> [Digest] { try folder.keys(withPrefix: "") }
    /// The keys whose hex starts with `prefix`, listed by that prefix (a shard's keys, not the whole folder).
    public func keys(withPrefix prefix: String) throws -> [Digest] { try folder.keys(withPrefix: prefix) }
    /// Whether `key` is stored (a `HEAD`).
    public func contains(_ key: Digest) throws -> Bool { try folder.contains(key) }
    /// Deletes `key`; returns whether it was there.
    @discardableResult public func evict(_ key: Digest) throws -> Bool { try folder.evict(key) }

    /// Puts the manifest, replacing any record of `key` whole.
    public func save(_ record: CallRecord, key: Digest) throws {
        try folder.client.put(folder.key(key), CallManifest.encode(record))
    }

    /// The record `key`; `FlecheError.notFound` when there is none, `corruptManifest` when it
    /// does not decode. A use (its time renewed as on a hit): what a stack reads to back-fill
    /// its front layer.
    public func load(_ key: Digest) throws -> CallRecord {
        try decode(usedManifest(key), key: key) { try CallManifest.decode($0) }
    }

    /// The result member only: what a memoized call reads on a hit (a use, as ``load(_:)``).
    public func resultReference(_ key: Digest) throws -> ValueReference? {
        try decode(usedManifest(key), key: key) { try CallManifest.decodeResult($0) }
    }

    /// The manifest of `key`, read for a use: one older than ``useRefreshInterval`` (an
    /// hour) has its `LastModified` renewed, which a budget reads as its last use (listings,
    /// queries, gc and verify read without this).
    private func usedManifest(_ key: Digest) throws -> [UInt8] {
        guard let (bytes, modified) = try folder.client.getWithTimeFuture(folder.key(key)).wait() else {
            throw FlecheError.notFound(key: key.hex)
        }
        if let modified, Date().timeIntervalSince(modified) > useRefreshInterval {
            // A use that is not recorded costs a budget's order only: never the hit.
            do {
                _ = try folder.client.touch(folder.key(key))
            } catch {
                log.debug("a hit's use was not recorded", metadata: ["key": "\(key.hex)", "error": "\(error)"])
            }
        }
        return bytes
    }

    /// Every readable record, downloaded ``S3Client/maximumInFlight`` at a time;
    /// unreadable ones are skipped with a warning.
    public func records() throws -> [(key: Digest, record: CallRecord)] {
        var out: [(key: Digest, record: CallRecord)] = []
        for (key, result) in try loadAll(keys()) {
            switch result {
            case .success(let record): out.append((key, record))
            case .failure(let error as FlecheError) where error.isMiss: continue  // evicted meanwhile
            case .failure(let error):
                log.warning("skipping unreadable call record", metadata: ["key": "\(key.hex)", "error": "\(error)"])
            }
        }
        return out
    }

    /// The records of `keys`, downloaded in parallel, each as a success or its error
    /// (`FlecheError.notFound` for one evicted meanwhile).
    func loadAll(_ keys: [Digest]) throws -> [(Digest, Result<CallRecord, any Error>)] {
        let bodies = try folder.client.inParallel(keys) { self.folder.client.getFuture(self.folder.key($0)) }
        return zip(keys, bodies).map { key, body in
            (key, Result {
                guard let body else { throw FlecheError.notFound(key: key.hex) }
                return try decode(body, key: key) { try CallManifest.decode($0) }
            })
        }
    }

    private func decode<T>(_ bytes: [UInt8], key: Digest, _ parse: ([UInt8]) throws -> T) throws -> T {
        do {
            return try parse(bytes)
        } catch let invalid as CallManifest.Invalid {
            throw FlecheError.corruptManifest(key: key, path: folder.display(key), reason: invalid.reason)
        }
    }
}
