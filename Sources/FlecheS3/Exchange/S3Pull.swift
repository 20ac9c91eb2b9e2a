import FlecheStore
import FlecheSystem
import FlecheValue
import Foundation
import NIOCore

/// Brings an S3 store's calls into a store folder, as `fleche pull` brings another
/// folder's: nothing that arrives is visible in the store until it has been checked.
///
/// 1. The local store is opened, or created with the S3 store's settings; both must use
///    the same digest algorithm.
/// 2. The manifests the local store lacks are downloaded into an incoming folder of its
///    `tmp/` (`N` at a time); with a ``template``, only those it matches are kept.
/// 3. The objects they reach that the local store lacks are downloaded, level by level
///    (the children of each level read from the headers of what arrived).
/// 4. Everything that arrived is checked as a pull from a folder checks it: headers parse,
///    children are here or arrived (with ``verify``, each object is also re-hashed against
///    its name); a damaged object is refused with everything that needs it, and so is a
///    manifest that does not parse, is filed under another key, is not signed by the
///    store's key (when it has one) or names a value the bucket does not have.
/// 5. The objects, then the manifests, are linked into the store under its gc lock, as a
///    writer's save is; a call the store has already is kept.
///
/// A dry run downloads the same into a temporary folder, checks it and moves nothing in.
public struct S3Pull {
    /// The local store's folder (created when it does not exist).
    public let root: String
    /// The S3 store's objects.
    public let objects: S3ObjectStorage
    /// The S3 store's manifests.
    public let calls: S3CallStorage
    /// Only calls this template matches (all when `nil`), with exactly the objects they reach.
    public var template: CallTemplate?
    /// Re-hash every object that arrived against its name before anything is moved in.
    public var verify = false
    /// Report what would arrive without changing the local store.
    public var dryRun = false
    /// The keys the local store signs and checks manifests with (`nil`: those of
    /// `$FLECHE_SECRET_KEY`); with keys, a manifest that arrives unsigned or signed by
    /// another key is refused.
    public var signingKeys: SigningKeys?

    /// How many downloads are held before they are written out: bounds the memory a pull
    /// takes whatever the size of the store.
    static let batchSize = 256

    /// A pull from `source` into the store folder at `root`.
    public init(into root: String, from source: S3Store, template: CallTemplate? = nil, verify: Bool = false, dryRun: Bool = false) {
        self.init(into: root, objects: source.objects, calls: source.calls, template: template, verify: verify, dryRun: dryRun)
    }

    /// A pull from the S3 store of these two storages (a cache of `fleche.toml` holds them)
    /// into the store folder at `root`.
    public init(
        into root: String, objects: S3ObjectStorage, calls: S3CallStorage, template: CallTemplate? = nil, verify: Bool = false,
        dryRun: Bool = false
    ) {
        self.root = FileStore.absolute(root)
        self.objects = objects
        self.calls = calls
        self.template = template
        self.verify = verify
        self.dryRun = dryRun
    }

    /// Runs the pull.
    /// - Throws: `FlecheError.invalidArguments` when the two stores' digest algorithms
    ///   differ; ``S3Error`` when a request fails (nothing is moved in then); `FlecheError`
    ///   when the local store cannot be opened or written.
    public func run() throws -> SharingReport {
        let started = Date()
        var report = SharingReport(dryRun: dryRun)
        let client = objects.client
        // A dry run into a store that does not exist yet creates nothing.
        let lookOnly = dryRun && !FileStore.exists(at: root)
        let folder = try lookOnly ? IncomingFolder(temporaryIn: NSTemporaryDirectory()) : IncomingFolder(storeRoot: root)
        defer { try? folder.remove() }

        // 1. The local store, and the incoming folder as a store of the bucket's settings.
        let remote = objects.format
        try folder.write(remote.fileBytes, at: folder.path + "/FORMAT")
        let opened = try lookOnly ? nil : IncomingFolder.receivingStore(at: root, like: remote, signingKeys: signingKeys)
        let incoming = try folder.openStore(signingKeys: opened?.calls.signingKeys ?? signingKeys)
        let store = opened ?? incoming
        guard store.format.algorithm == remote.algorithm else {
            throw FlecheError.invalidArguments(
                "\(root) uses \(store.format.algorithm.rawValue) but \(client.location) uses \(remote.algorithm.rawValue): call keys and object names differ")
        }

        // 2. The manifests this store lacks.
        let listed = try calls.keys()
        let newCalls = listed.filter { !((try? store.calls.contains($0)) ?? false) }.sorted()
        report.existingCalls = listed.count - newCalls.count
        let matcher = try template?.matcher(using: remote.algorithm)
        var records: [Digest: CallRecord] = [:]
        var bytes = 0
        try download(newCalls, from: calls.folder, into: folder, at: incoming.calls.path(of:)) { key, size in
            do {
                let record = try incoming.calls.load(key)
                guard matcher?.matches(record) ?? true else { return }
                records[key] = record
                bytes += size
            } catch FlecheError.untrustedManifest(_, _, let reason) {
                report.refused.append(StoreProblem(kind: .untrustedManifest, key: key, path: calls.location(of: key), detail: reason))
            } catch {
                report.refused.append(StoreProblem(kind: .corruptManifest, key: key, path: calls.location(of: key), detail: "\(error)"))
            }
        }

        // 3. The objects they reach that this store lacks, level by level.
        var arrived = Set<Digest>()
        var frontier = Set(records.values.flatMap(\.objectDigests))
        while !frontier.isEmpty {
            let wanted = frontier.filter { !arrived.contains($0) && !((try? store.objects.contains($0)) ?? false) }.sorted()
            frontier = []
            try download(wanted, from: objects.folder, into: folder, at: incoming.objects.path(of:)) { key, size in
                arrived.insert(key)
                bytes += size
                for child in (try? incoming.objects.childDigests(of: key)) ?? [] where !arrived.contains(child) {
                    frontier.insert(child)
                }
            }
        }

        // 4. The check of what arrived; 5. objects, then manifests, into the store.
        let check = try ReceiptCheck(incoming: incoming, store: store, objects: arrived, calls: records, verify: verify)
        report.refused += check.refused
        let acceptedObjects = arrived.subtracting(check.refusedObjects).sorted()
        let acceptedCalls = records.keys.filter { !check.refusedCalls.contains($0) }.sorted()
        report.calls = try dryRun ? acceptedCalls : folder.moveIn(objects: acceptedObjects, calls: acceptedCalls, into: store)
        report.objects = acceptedObjects.count
        report.bytes = bytes
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Downloads `keys` from `source` (``S3Client/maximumInFlight`` at a time, ``batchSize``
    /// held at once), writes each that exists at `path(key)` and then calls `arrived` with its
    /// key and size; a key the bucket does not have (evicted meanwhile) is passed over.
    private func download(
        _ keys: [Digest], from source: S3Folder, into folder: IncomingFolder, at path: (Digest) -> String,
        arrived: (Digest, Int) throws -> Void
    ) throws {
        let client = source.client
        for start in stride(from: 0, to: keys.count, by: Self.batchSize) {
            let batch = Array(keys[start..<min(start + Self.batchSize, keys.count)])
            let bodies = try client.inParallel(batch) { client.getFuture(source.key($0)) }
            for (key, body) in zip(batch, bodies) {
                guard let body else { continue }
                try folder.write(body, at: path(key))
                try arrived(key, body.count)
            }
        }
    }
}
