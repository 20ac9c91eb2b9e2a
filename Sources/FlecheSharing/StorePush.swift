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

        let sent = try template == nil ? pushWholeStore(remote, folder: folder, isNew: remoteFormat == nil, into: &report)
                                       : pushSelection(remote, folder: folder, isNew: remoteFormat == nil, into: &report)
        progress?("done", 0, 0)
        report.calls = sent.calls
        report.objects = sent.objects
        report.bytes = sent.bytes
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// What a push sent.
    private struct Sent {
        var calls: [Digest] = []
        var objects = 0
        var bytes = 0

        mutating func add(_ tally: RemoteStore.Tally, calls isCalls: Bool) {
            if isCalls { calls += tally.paths.compactMap(StorePaths.key) } else { objects += tally.files }
            bytes += tally.bytes
        }
    }

    /// Above this many files a transfer walks the folders with filter rules; below it, a
    /// file list costs less than the walk (rsync reads a list one byte per `read`, about
    /// 110 µs per file here; a walk of a 30,000-file store costs about 150 ms).
    static let listLimit = 1_500

    /// The whole store: the manifests the destination lacks, found by a dry run of their
    /// walk (a listing), are checked here (their values must all be present), then sent
    /// after every object the destination lacks.
    private func pushWholeStore(_ remote: RemoteStore, folder: IncomingFolder, isNew: Bool, into report: inout SharingReport) throws -> Sent {
        let algorithm = store.format.algorithm
        let localCalls = try store.calls.keys()
        let newCallPaths = isNew ? localCalls.map(StorePaths.call)
                                 : try remote.sendAll("calls", algorithm: algorithm, from: store.root, dryRun: true) { _ in }.paths
        let selection = try PublishedCalls(store: store, keys: newCallPaths.compactMap(StorePaths.key))
        report.incompleteCalls = selection.incomplete
        report.existingCalls = localCalls.count - newCallPaths.count
        let calls = selection.calls.map(StorePaths.call).sorted()
        if dryRun {
            let objects = isNew ? try store.objects.keys().map(StorePaths.object)
                                : try remote.sendAll("objects", algorithm: algorithm, from: store.root, dryRun: true) { _ in }.paths
            return Sent(calls: selection.calls, objects: objects.count,
                        bytes: (objects + calls).reduce(0) { $0 + (store.fileSize(relativePath: $1) ?? 0) })
        }
        var sent = Sent()
        sent.add(try remote.sendAll("objects", algorithm: algorithm, from: store.root) { progress?("objects", $0, 0) }, calls: false)
        if calls.count <= Self.listLimit {
            sent.add(try remote.send(calls, listedIn: folder, from: store.root) { progress?("calls", $0, calls.count) }, calls: true)
        } else {
            let excluded = selection.incomplete.map(StorePaths.call)
            sent.add(try remote.sendAll("calls", algorithm: algorithm, excluding: excluded, from: store.root) {
                progress?("calls", $0, calls.count)
            }, calls: true)
        }
        try sendObjectsAgain(remote, folder: folder, selection: selection, sent: &sent)
        return sent
    }

    /// A selection: its manifests and exactly the objects they reach, by file lists, after a
    /// listing of the destination.
    private func pushSelection(_ remote: RemoteStore, folder: IncomingFolder, isNew: Bool, into report: inout SharingReport) throws -> Sent {
        let selection = try PublishedCalls(store: store, template: template)
        report.incompleteCalls = selection.incomplete
        let listing = isNew ? RemoteListing(hexLength: store.format.algorithm.hexLength) : try remote.list(algorithm: store.format.algorithm)
        let callPaths = selection.calls.map(StorePaths.call)
        let newCalls = callPaths.filter { listing.calls[$0] == nil }.sorted()
        report.existingCalls = callPaths.count - newCalls.count
        let newObjects = selection.objects.map(StorePaths.object).filter { listing.objects[$0] == nil }.sorted()
        if dryRun {
            return Sent(calls: newCalls.compactMap(StorePaths.key), objects: newObjects.count,
                        bytes: (newObjects + newCalls).reduce(0) { $0 + (store.fileSize(relativePath: $1) ?? 0) })
        }
        var sent = Sent()
        sent.add(try remote.send(newObjects, listedIn: folder, from: store.root) { progress?("objects", $0, newObjects.count) }, calls: false)
        sent.add(try remote.send(newCalls, listedIn: folder, from: store.root) { progress?("calls", $0, newCalls.count) }, calls: true)
        try sendObjectsAgain(remote, folder: folder, selection: selection, sent: &sent)
        return sent
    }

    /// Step 5: the objects the sent manifests reach, once more; only those missing there move.
    private func sendObjectsAgain(_ remote: RemoteStore, folder: IncomingFolder, selection: PublishedCalls, sent: inout Sent) throws {
        guard !sent.calls.isEmpty else { return }
        let reached = try selection.objects(reachedBy: sent.calls).map(StorePaths.object).sorted()
        if reached.count <= Self.listLimit {
            sent.add(try remote.send(reached, listedIn: folder, from: store.root) { _ in }, calls: false)
        } else {
            sent.add(try remote.sendAll("objects", algorithm: store.format.algorithm, from: store.root) { _ in }, calls: false)
        }
    }
}
