import FlecheStore
import FlecheValue
import Foundation

/// Publishes a store's calls to another store with `rsync`: `fleche push DEST`.
///
/// In order, so that a reader of the receiving store never finds a manifest whose values
/// have not arrived:
/// 1. the destination's `FORMAT` is read (a new destination gets this store's `FORMAT`
///    and its folders first) and must have the same format version and digest algorithm;
/// 2. the destination is listed, and the calls to publish (all, or those `template`
///    matches) are compared with it: what it lacks is sent, each file only if it is still
///    absent there (`--ignore-existing`), through its `tmp/`;
/// 3. objects first: every object the calls reach, children included (without a template,
///    every object of the store the destination lacks);
/// 4. then the manifests;
/// 5. then once more the objects the sent manifests reach, which costs a listing: a gc on
///    the destination that ran with no grace period between steps 3 and 4 may have swept
///    objects no manifest named yet, and this puts them back.
///
/// A whole store is sent by walking its folders with rsync's filter rules (as fast as
/// `rsync -a`); a selection is sent by a file list, which rsync reads one byte per system
/// call, about 110 µs per file.
///
/// `tmp/`, `gc.lock`, `lost+found/` and any file that is not a key are never sent. A push
/// killed half way leaves whole files only (rsync renames each into place), manifests only
/// with their values, and the next push completes it.
public struct StorePush: Sendable {
    /// The store published from.
    public let store: FileStore
    /// Where it goes.
    public let destination: StoreAddress
    /// Only calls this template matches (all when `nil`), with exactly the objects they reach.
    public var template: CallTemplate?
    /// Report what would be sent without sending anything (nor creating the destination).
    public var dryRun = false
    /// Called as files go, for a progress display.
    public var progress: SharingProgress?
    /// The rsync program and its options.
    public var rsync = Rsync()

    /// A push of `store` to `destination`.
    public init(store: FileStore, to destination: StoreAddress, template: CallTemplate? = nil, dryRun: Bool = false) {
        self.store = store
        self.destination = destination
        self.template = template
        self.dryRun = dryRun
    }

    /// Runs the push.
    /// - Throws: ``SharingError`` when rsync fails or the stores are incompatible;
    ///   `FlecheError.io` when this store cannot be read.
    public func run() throws -> SharingReport {
        let started = Date()
        var report = SharingReport(dryRun: dryRun)
        let remote = RemoteStore(address: destination, rsync: rsync)
        let folder = try IncomingFolder(storeRoot: store.root)
        defer { try? folder.remove() }

        // 1. The destination's FORMAT.
        var remoteFormat = try remote.fetchFormat(into: folder)
        if remoteFormat == nil && !dryRun {
            _ = try remote.send(["FORMAT", "calls/", "objects/", "tmp/"], listedIn: folder, from: store.root, makingPath: true) { _ in }
            remoteFormat = try remote.fetchFormat(into: folder)
            guard remoteFormat != nil else { throw SharingError.notAStore(destination.description) }
        }
        if let remoteFormat {
            try Compatibility.check(local: store, remote: remoteFormat, address: destination)
        }

        // 2. What to publish, and what the destination lacks.
        let selection = try PublishedCalls(store: store, template: template)
        report.incompleteCalls = selection.incomplete
        let listing = remoteFormat == nil ? RemoteListing(hexLength: store.format.algorithm.hexLength)
                                          : try remote.list(algorithm: store.format.algorithm)
        let callPaths = selection.calls.map(StorePaths.call)
        let newCalls = callPaths.filter { listing.calls[$0] == nil }
        report.existingCalls = callPaths.count - newCalls.count
        let newObjects = selection.objects.map(StorePaths.object).filter { listing.objects[$0] == nil }.sorted()

        if dryRun {
            report.calls = newCalls.compactMap(StorePaths.key)
            report.objects = newObjects.count
            report.bytes = (newObjects + newCalls).reduce(0) { $0 + (store.fileSize(relativePath: $1) ?? 0) }
            report.seconds = Date().timeIntervalSince(started)
            return report
        }

        // 3. Objects, 4. manifests, 5. the objects of the manifests sent, again (only those
        //    missing there now move). All of a store walks the folders with filter rules;
        //    a selection names its files in a list.
        let objects: RemoteStore.Tally, calls: RemoteStore.Tally
        var repaired = RemoteStore.Tally()
        let algorithm = store.format.algorithm
        if template == nil {
            objects = try remote.sendAll("objects", algorithm: algorithm, from: store.root) { progress?("objects", $0, newObjects.count) }
            calls = try remote.sendAll(
                "calls", algorithm: algorithm, excluding: selection.incomplete.map(StorePaths.call), from: store.root
            ) { progress?("calls", $0, newCalls.count) }
            if !calls.paths.isEmpty {
                repaired = try remote.sendAll("objects", algorithm: algorithm, from: store.root) { _ in }
            }
        } else {
            objects = try remote.send(newObjects, listedIn: folder, from: store.root) { progress?("objects", $0, newObjects.count) }
            calls = try remote.send(newCalls.sorted(), listedIn: folder, from: store.root) { progress?("calls", $0, newCalls.count) }
            let sent = calls.paths.compactMap(StorePaths.key)
            if !sent.isEmpty {
                let reached = try selection.objects(reachedBy: sent).map(StorePaths.object).sorted()
                repaired = try remote.send(reached, listedIn: folder, from: store.root) { _ in }
            }
        }
        let sentCalls = calls.paths.compactMap(StorePaths.key)
        progress?("done", 0, 0)
        report.calls = sentCalls
        report.objects = objects.files + repaired.files
        report.bytes = objects.bytes + calls.bytes + repaired.bytes
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
