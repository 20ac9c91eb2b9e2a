import FlecheStore
import FlecheSystem
import FlecheValue
import Foundation
import NIOCore

/// Publishes a store folder's calls to an S3 store, as `fleche push` publishes to another
/// folder: the calls the bucket lacks whose values are all here, their objects the bucket
/// lacks (found through object headers), then their manifests, so that a reader never finds
/// a manifest whose values have not arrived. Files go as they are (no decoding, no
/// re-compression), ``S3Client/maximumInFlight`` requests at a time.
public struct S3Push {
    /// The store folder the calls come from.
    public let source: FileStore
    /// The S3 store's objects.
    public let objects: S3ObjectStorage
    /// The S3 store's manifests.
    public let calls: S3CallStorage

    /// A push of `source`'s calls to `destination`.
    public init(from source: FileStore, to destination: S3Store) {
        self.init(from: source, objects: destination.objects, calls: destination.calls)
    }

    /// A push of `source`'s calls to the S3 store of these two storages (a cache of
    /// `fleche.toml` holds them).
    public init(from source: FileStore, objects: S3ObjectStorage, calls: S3CallStorage) {
        self.source = source
        self.objects = objects
        self.calls = calls
    }

    /// What a push sent.
    public struct Report: Sendable, Equatable {
        /// Calls published (their keys).
        public var calls: [Digest] = []
        /// Objects uploaded.
        public var objects = 0
        /// Bytes uploaded (object and manifest files).
        public var bytes = 0
        /// Calls the bucket had already.
        public var alreadyThere = 0
        /// Calls left here because a value they need is missing or unreadable here.
        public var incomplete: [Digest] = []
    }

    /// Sends what the bucket lacks.
    /// - Throws: `FlecheError.invalidArguments` when the two stores' digest algorithms differ;
    ///   ``S3Error`` when a request fails (what was sent stays: objects before manifests).
    public func run() throws -> Report {
        let client = objects.folder.client
        guard source.format.algorithm == objects.algorithm else {
            throw FlecheError.invalidArguments(
                "\(source.root) uses \(source.format.algorithm.rawValue) but \(client.location) uses \(objects.algorithm.rawValue)")
        }
        var report = Report()
        let remoteCalls = Set(try calls.keys())
        let local = try source.calls.keys()
        let wanted = local.filter { !remoteCalls.contains($0) }
        report.alreadyThere = local.count - wanted.count
        var references: [Digest: [Digest]] = [:]
        for key in wanted {
            guard let record = try? source.calls.load(key) else { continue }  // evicted meanwhile, or unreadable
            references[key] = (record.arguments.map(\.value) + [record.result].compactMap { $0 }).filter { $0.inline == nil }.map(\.digest)
        }
        let (reached, unreadable) = try source.objects.reach(from: references.values.joined())
        let publishable = wanted.filter { key in
            guard let digests = references[key] else { return false }
            return digests.allSatisfy { !unreadable.contains($0) }
        }
        report.incomplete = wanted.filter { !publishable.contains($0) }.sorted()
        let remoteObjects = Set(try objects.keys())
        let sending = reached.subtracting(unreadable).subtracting(remoteObjects).sorted()
        let sizes = try client.inParallel(sending) { digest -> EventLoopFuture<Int> in
            let bytes = (try? FileSystem.readFile(source.objects.path(of: digest))) ?? nil
            guard let bytes else {
                return client.eventLoop.makeFailedFuture(FlecheError.notFound(key: digest.hex))
            }
            return client.putFuture(objects.folder.key(digest), bytes).map { bytes.count }
        }
        report.objects = sending.count
        report.bytes = sizes.reduce(0, +)
        let sent = try client.inParallel(publishable) { key -> EventLoopFuture<Int> in
            let bytes = (try? FileSystem.readFile(source.calls.path(of: key))) ?? nil
            guard let bytes else { return client.eventLoop.makeSucceededFuture(-1) }  // evicted meanwhile
            return client.putFuture(calls.folder.key(key), bytes).map { bytes.count }
        }
        for (key, size) in zip(publishable, sent) where size >= 0 {
            report.calls.append(key)
            report.bytes += size
        }
        return report
    }
}
