import FlecheStore
import FlecheValue
import Foundation

/// Brings another store's calls into a local store with `rsync`: `fleche pull SRC`.
///
/// Nothing that arrives is visible in the store until it has been checked:
/// 1. the source's `FORMAT` is read (a local store that does not exist yet is created with
///    its settings) and must have the same format version and digest algorithm;
/// 2. the source is listed; the manifests this store lacks are copied into an incoming
///    folder of its `tmp/` (`IncomingFolder`), and with a `template` only those it
///    matches are kept;
/// 3. the objects they need and this store lacks are copied in too: without a template
///    every object the source has that this store lacks; with one, the values the kept
///    manifests name and then their children, level by level, read from the headers;
/// 4. every object that arrived is checked: its header parses and its children are here
///    or arrived (with `verify`, it is also read back and re-hashed against its name); a
///    damaged object is refused, with every object and manifest that depends on it, and
///    so is a manifest that does not parse, is filed under another key or names a value
///    that did not arrive;
/// 5. the objects, then the manifests, are linked into the store under its shared gc lock,
///    as a writer's save is; a manifest the store already has is kept.
public struct StorePull: Sendable {
    /// The local store's directory (created when it does not exist).
    public let root: String
    /// Where the calls come from.
    public let source: StoreAddress
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
    /// Called as files arrive, for a progress display.
    public var progress: SharingProgress?
    /// The rsync program and its options.
    public var rsync = Rsync()

    /// A pull from `source` into the store at `root`.
    public init(into root: String, from source: StoreAddress, template: CallTemplate? = nil, verify: Bool = false, dryRun: Bool = false) {
        self.root = FileStore.absolute(root)
        self.source = source
        self.template = template
        self.verify = verify
        self.dryRun = dryRun
    }

    /// Runs the pull.
    /// - Throws: ``SharingError`` when rsync fails, the source is not a store or the stores
    ///   are incompatible; `FlecheError` when the local store cannot be opened or written.
    public func run() throws -> SharingReport {
        let started = Date()
        var report = SharingReport(dryRun: dryRun)
        let remote = RemoteStore(address: source, rsync: rsync)
        // A dry run into a store that does not exist yet creates nothing: it works in the
        // system's temporary folder and compares with an empty store.
        let lookOnly = dryRun && !FileStore.exists(at: root)
        let folder = try lookOnly ? IncomingFolder(temporaryIn: NSTemporaryDirectory()) : IncomingFolder(storeRoot: root)
        defer { try? folder.remove() }

        // 1. The source's FORMAT, and the local store.
        guard let formatBytes = try remote.fetchFormat(into: folder) else { throw SharingError.notAStore(source.description) }
        let opened = try lookOnly ? nil : openLocalStore(formatBytes: formatBytes)
        let incoming = try folder.openStore(signingKeys: opened?.calls.signingKeys ?? signingKeys)
        let store = opened ?? incoming
        try Compatibility.check(local: store, remote: formatBytes, address: source)

        // 2. Manifests this store lacks.
        let listing = try remote.list(algorithm: store.format.algorithm)
        let newCalls = listing.calls.keys.sorted().filter { path in
            StorePaths.key(path).map { !((try? store.calls.contains($0)) ?? false) } ?? false
        }
        report.existingCalls = listing.calls.count - newCalls.count
        func missingHere(_ path: String) -> Bool {
            guard let key = StorePaths.key(path) else { return false }
            return !((try? store.objects.contains(key)) ?? false)
        }
        var arrivedObjects = Set<Digest>()
        var bytes = 0
        if template == nil && dryRun {
            let objects = listing.objects.keys.filter(missingHere)
            report.calls = newCalls.compactMap(StorePaths.key)
            report.objects = objects.count
            report.bytes = (newCalls + objects).reduce(0) { $0 + (listing.calls[$1] ?? listing.objects[$1] ?? 0) }
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
        // Without a template, one walk brings every manifest and object this store lacks;
        // with one, the manifests first, then the objects they reach, level by level.
        let fetchedCalls: RemoteStore.Tally
        if template == nil {
            let fetched = try remote.fetchAll(into: folder, comparingWith: store.root, algorithm: store.format.algorithm) {
                progress?("files", $0, newCalls.count + listing.objects.count)
            }
            fetchedCalls = RemoteStore.Tally(paths: fetched.paths.filter { $0.hasPrefix("calls/") }, bytes: 0)
            arrivedObjects.formUnion(fetched.paths.filter { $0.hasPrefix("objects/") }.compactMap(StorePaths.key))
            bytes += fetched.bytes
        } else {
            fetchedCalls = try remote.fetch(newCalls, into: folder) { progress?("calls", $0, newCalls.count) }
            bytes += fetchedCalls.bytes
        }
        var records: [Digest: CallRecord] = [:]
        let matcher = try template?.matcher(using: store.format.algorithm)
        for path in fetchedCalls.paths {
            guard let key = StorePaths.key(path) else { continue }
            do {
                let record = try incoming.calls.load(key)
                guard matcher?.matches(record) ?? true else { continue }
                records[key] = record
            } catch FlecheError.untrustedManifest(_, _, let reason) {
                report.refused.append(StoreProblem(kind: .untrustedManifest, key: key, path: path, detail: reason))
            } catch let error as FlecheError {
                report.refused.append(StoreProblem(kind: .corruptManifest, key: key, path: path, detail: "\(error)"))
            }
        }
        let wanted = Array(records.keys)

        // 3. The objects they need (a selection: level by level, from the headers).
        if template != nil {
            var frontier = Set(records.values.flatMap(\.objectDigests))
            while !frontier.isEmpty {
                let paths = frontier.filter { !arrivedObjects.contains($0) }.map(StorePaths.object)
                    .filter { listing.objects[$0] != nil && missingHere($0) }.sorted()
                let fetched = try remote.fetch(paths, into: folder) { progress?("objects", $0, paths.count) }
                bytes += fetched.bytes
                let keys = fetched.paths.compactMap(StorePaths.key)
                arrivedObjects.formUnion(keys)
                frontier = []
                for key in keys {
                    for child in (try? incoming.objects.childDigests(of: key)) ?? [] where !arrivedObjects.contains(child) {
                        frontier.insert(child)
                    }
                }
            }
        }

        // 4. Check what arrived.
        let check = try ReceiptCheck(incoming: incoming, store: store, objects: arrivedObjects, calls: records, verify: verify)
        report.refused += check.refused
        let acceptedObjects = arrivedObjects.subtracting(check.refusedObjects).sorted()
        let acceptedCalls = wanted.filter { !check.refusedCalls.contains($0) }.sorted()
        if dryRun {
            report.calls = acceptedCalls
            report.objects = acceptedObjects.count
        } else {
            // 5. Move in: objects, then manifests.
            report.calls = try folder.moveIn(objects: acceptedObjects, calls: acceptedCalls, into: store)
            report.objects = acceptedObjects.count
        }
        report.bytes = bytes
        progress?("done", 0, 0)
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// The local store, created with the source's settings if it does not exist.
    private func openLocalStore(formatBytes: [UInt8]) throws -> FileStore {
        let format: StoreFormat
        do {
            format = try StoreFormat(fileBytes: formatBytes, path: source.description)
        } catch let error as FlecheError {
            throw SharingError.incompatible(local: root, remote: source.description, reason: "its FORMAT: \(error)")
        }
        return try IncomingFolder.receivingStore(at: root, like: format, signingKeys: signingKeys)
    }
}
