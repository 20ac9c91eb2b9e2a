import FlecheStore
import FlecheValue
import Foundation
import NIOCore

/// Value objects under `<prefix>/objects/` in a bucket, byte for byte the file store's
/// object files under the same names.
public final class S3ObjectStorage: ValueStorage {
    /// The store's digest algorithm, from its `FORMAT`.
    public let algorithm: DigestAlgorithm
    /// The store's settings: compression, destructuring.
    public let format: StoreFormat
    /// How large and old the store may be: what its gc enforces (`nil`: no limit).
    public let budget: StoreBudget?
    let folder: S3Folder
    /// Objects larger than this are looked for (`HEAD`) before they are uploaded, and not
    /// sent again when a whole one of the same size was written within ``refreshAge``;
    /// smaller ones are simply put again (one request either way).
    static let lookFirstSize = 256 * 1024
    /// An existing object older than this is written again, which renews its
    /// `LastModified`: what tells a concurrent gc that it is in use (docs/FORMAT.md, "S3").
    static let refreshAge: TimeInterval = 3_600

    init(client: S3Client, format: StoreFormat, budget: StoreBudget? = nil) {
        self.algorithm = format.algorithm
        self.format = format
        self.budget = budget
        self.folder = S3Folder(client: client, name: "objects", algorithm: format.algorithm)
    }

    /// The client of the store's bucket (its ``S3Client/location`` is the store's).
    public var client: S3Client { folder.client }

    /// `s3://bucket/<prefix>/objects/ab/cd…` of `key`.
    public func location(of key: Digest) -> String { folder.display(key) }

    /// Every key in the folder, listed from the bucket.
    public func keys() throws -> [Digest] { try folder.keys(withPrefix: "") }
    /// The keys whose hex starts with `prefix`, listed by that prefix (a shard's keys, not the whole folder).
    public func keys(withPrefix prefix: String) throws -> [Digest] { try folder.keys(withPrefix: prefix) }
    /// Whether `key` is stored (a `HEAD`).
    public func contains(_ key: Digest) throws -> Bool { try folder.contains(key) }
    /// Deletes `key`; returns whether it was there.
    @discardableResult public func evict(_ key: Digest) throws -> Bool { try folder.evict(key) }

    /// Uploads `value`'s objects: its split-out children in parallel, then the top object,
    /// so that a reader who finds the top finds everything below it.
    public func save(_ value: Value, key: Digest) throws {
        let objects = ObjectBytes.objects(of: value, key: key, format: format)
        let client = folder.client
        _ = try client.inParallel(Array(objects.dropLast())) { self.upload($0) }
        if let top = objects.last { try upload(top).wait() }
    }

    private func upload(_ object: ObjectBytes.Object) -> EventLoopFuture<Void> {
        let key = folder.key(object.digest)
        let client = folder.client
        guard object.bytes.count > Self.lookFirstSize else { return client.putFuture(key, object.bytes) }
        let size = object.bytes.count
        let looked = client.headFuture(key)
        return looked.flatMap { existing in
            if let existing, existing.size == size, let modified = existing.lastModified,
                Date().timeIntervalSince(modified) < Self.refreshAge
            {
                return looked.eventLoop.makeSucceededVoidFuture()
            }
            return client.putFuture(key, object.bytes)
        }
    }

    /// Downloads the object `key` and every object below it (each level's children in
    /// parallel), then decodes.
    public func load(_ key: Digest) throws -> Value {
        guard let top = try folder.client.get(folder.key(key)) else { throw FlecheError.notFound(key: key.hex) }
        var fetched: [Digest: [UInt8]] = [key: top]
        var pending = try ObjectBytes.children(of: top, key: key, location: folder.display(key))
        while !pending.isEmpty {
            let wanted = Array(Set(pending.filter { fetched[$0] == nil }))
            let bodies = try folder.client.inParallel(wanted) { self.folder.client.getFuture(self.folder.key($0)) }
            pending = []
            for (digest, body) in zip(wanted, bodies) {
                guard let body else { throw FlecheError.notFound(key: digest.hex) }
                fetched[digest] = body
                pending += try ObjectBytes.children(of: body, key: digest, location: folder.display(digest))
            }
        }
        func decode(_ digest: Digest) throws -> Value {
            guard let bytes = fetched[digest] else { throw FlecheError.notFound(key: digest.hex) }
            return try ObjectBytes.decode(bytes, key: digest, location: folder.display(digest), resolve: decode)
        }
        return try decode(key)
    }
}
