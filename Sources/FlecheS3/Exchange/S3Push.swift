import FlecheStore
import FlecheSystem
import FlecheValue
import Foundation
import NIOCore

/// Publishes a store folder's calls to an S3 store, as `fleche push` publishes to another
/// folder: the calls the bucket lacks whose values are all here, their objects the bucket
/// lacks (found through object headers), then their manifests, so that a reader never finds
/// a manifest whose values have not arrived. Files go as they are (no decoding, no
/// re-compression), ``S3Client/maximumInFlight`` requests at a time. With a ``template``,
/// only the calls it matches; a dry run reports what would be sent and sends nothing.
public struct S3Push {
    /// The store folder the calls come from.
    public let source: FileStore
    /// The S3 store's objects.
    public let objects: S3ObjectStorage
    /// The S3 store's manifests.
    public let calls: S3CallStorage

    /// Only calls this template matches (all when `nil`), with exactly the objects they reach.
    public var template: CallTemplate?
    /// Report what would be sent without sending anything.
    public var dryRun = false

    /// A push of `source`'s calls to `destination`.
    public init(from source: FileStore, to destination: S3Store, template: CallTemplate? = nil, dryRun: Bool = false) {
        self.init(from: source, objects: destination.objects, calls: destination.calls, template: template, dryRun: dryRun)
    }

    /// A push of `source`'s calls to the S3 store of these two storages (a cache of
    /// `fleche.toml` holds them).
    public init(from source: FileStore, objects: S3ObjectStorage, calls: S3CallStorage, template: CallTemplate? = nil, dryRun: Bool = false) {
        self.source = source
        self.objects = objects
        self.calls = calls
        self.template = template
        self.dryRun = dryRun
    }

    /// Sends what the bucket lacks.
    /// - Throws: `FlecheError.invalidArguments` when the two stores' digest algorithms differ;
    ///   ``S3Error`` when a request fails (what was sent stays: objects before manifests).
    public func run() throws -> SharingReport {
        let started = Date()
        let client = objects.folder.client
        guard source.format.algorithm == objects.algorithm else {
            throw FlecheError.invalidArguments(
                "\(source.root) uses \(source.format.algorithm.rawValue) but \(client.location) uses \(objects.algorithm.rawValue)")
        }
        var report = SharingReport(dryRun: dryRun)
        let remoteCalls = Set(try calls.keys())
        // The calls to publish: those the bucket lacks (of those the template matches).
        var references: [Digest: [Digest]] = [:]
        let considered: Int
        if let template {
            let matcher = try template.matcher(using: source.format.algorithm)
            let matched = try source.calls.records().filter { matcher.matches($0.record) }
            considered = matched.count
            for (key, record) in matched where !remoteCalls.contains(key) { references[key] = record.objectDigests }
        } else {
            let local = try source.calls.keys()
            considered = local.count
            for key in local where !remoteCalls.contains(key) {
                guard let record = try? source.calls.load(key) else { continue }  // evicted meanwhile, or unreadable
                references[key] = record.objectDigests
            }
        }
        report.existingCalls = considered - references.count
        let (reached, unreadable) = try source.objects.reach(from: references.values.joined())
        let publishable = references.filter { $0.value.allSatisfy { !unreadable.contains($0) } }.keys.sorted()
        report.incompleteCalls = references.keys.filter { !publishable.contains($0) }.sorted()
        // Unreadable roots are left out above; what they reach is not sent either.
        let publishedReach = unreadable.isEmpty ? reached : try source.objects.reach(from: publishable.flatMap { references[$0] ?? [] }).reached
        let remoteObjects = Set(try objects.keys())
        let sending = publishedReach.subtracting(unreadable).subtracting(remoteObjects).sorted()
        if dryRun {
            report.calls = publishable
            report.objects = sending.count
            report.bytes = sending.reduce(0) { $0 + (FileSystem.status(source.objects.path(of: $1))?.size ?? 0) }
                + publishable.reduce(0) { $0 + (FileSystem.status(source.calls.path(of: $1))?.size ?? 0) }
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
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
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
