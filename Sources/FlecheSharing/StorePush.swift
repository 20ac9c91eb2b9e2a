import FlecheStore
import FlecheValue
import Foundation

/// Publishes a store's calls to another store with `rsync`: `fleche push DEST`.
///
/// In order, so that a reader of the receiving store never finds a manifest whose values
/// have not arrived:
/// 1. the destination's `FORMAT` is read (a new destination gets this store's `FORMAT`
///    and its folders first) and must have the same format version and digest algorithm;
/// 2. a dry run of a walk of `calls/` and `objects/` (at the same time, for a directory of
///    this machine) says what the destination lacks; the calls to publish (all, or those `template` matches) are the
///    ones it lacks whose values are all here, and what they reach is sent, each file
///    only if it is still absent there (`--ignore-existing`), through its `tmp/`;
/// 3. objects first: the objects the calls reach, children included, that the
///    destination lacks;
/// 4. then the manifests;
/// 5. then once more the objects the sent manifests reach: a gc on the destination between
///    steps 3 and 4 may have swept an object it already had that no manifest named yet,
///    and this puts it back.
///
/// Sets of up to 1,500 files go on rsync's command line; larger ones of a whole store are
/// sent by walking its folders with rsync's filter rules (as fast as `rsync -a`, and sending
/// any other object the destination lacks), of a selection by a file list (`--files-from`,
/// which rsync reads one byte per system call: 110 µs per file).
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

        // 1. The destination's FORMAT and what it lacks.
        let algorithm = store.format.algorithm
        let (format, lacking) = remote.fetchFormatAndMissing(into: folder, from: store.root, algorithm: algorithm)
        let missing: RemoteStore.Missing
        if let remoteFormat = try format.get() {
            try Compatibility.check(local: store, remote: remoteFormat, address: destination)
            missing = try lacking.get()
        } else {
            // No store there (the dry run's answer, or its error, tells nothing more).
            missing = try RemoteStore.Missing(calls: Set(store.calls.keys().map(StorePaths.call)),
                                              objects: Set(store.objects.keys().map(StorePaths.object)))
            if !dryRun, try !remote.create(from: store.root) {
                // Another push created it first: its FORMAT decides.
                guard let remoteFormat = try remote.fetchFormat(into: folder) else { throw SharingError.notAStore(destination.description) }
                try Compatibility.check(local: store, remote: remoteFormat, address: destination)
            }
        }

        // 2. What to send: the new calls whose values are all here, and the objects they
        //    reach that the destination lacks.
        let selection: PublishedCalls
        if let template {
            selection = try PublishedCalls(store: store, template: template)
            report.existingCalls = selection.calls.count - selection.calls.filter { missing.calls.contains(StorePaths.call($0)) }.count
        } else {
            selection = try PublishedCalls(store: store, keys: missing.calls.compactMap(StorePaths.key))
            report.existingCalls = try store.calls.keys().count - missing.calls.count
        }
        report.incompleteCalls = selection.incomplete
        let calls = selection.calls.map(StorePaths.call).filter(missing.calls.contains).sorted()
        let objects = selection.objects.map(StorePaths.object).filter(missing.objects.contains).sorted()
        if dryRun {
            report.calls = calls.compactMap(StorePaths.key)
            report.objects = objects.count
            report.bytes = (objects + calls).reduce(0) { $0 + (store.fileSize(relativePath: $1) ?? 0) }
        } else {
            // 3–5. Objects, manifests, the sent manifests' objects again.
            var sent = Sent()
            sent.add(try send(objects, folder: "objects", remote, listedIn: folder) { progress?("objects", $0, objects.count) }, calls: false)
            let leftOut = (selection.incomplete + selection.unreadable).map(StorePaths.call)
            sent.add(try send(calls, folder: "calls", excluding: leftOut, remote, listedIn: folder) { progress?("calls", $0, calls.count) }, calls: true)
            if !sent.calls.isEmpty {
                let reached = try selection.objects(reachedBy: sent.calls).map(StorePaths.object).sorted()
                sent.add(try send(reached, folder: "objects", remote, listedIn: folder) { _ in }, calls: false)
            }
            progress?("done", 0, 0)
            report.calls = sent.calls
            report.objects = sent.objects
            report.bytes = sent.bytes
        }
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

    /// Sends `paths`, all under `folder`: named on rsync's command line when they fit;
    /// else, for a whole store, by a walk of the folder (which also sends what else of it
    /// the destination lacks, but `excluding`), and for a selection, by a file list.
    private func send(
        _ paths: [String], folder name: String, excluding: [String] = [], _ remote: RemoteStore, listedIn folder: IncomingFolder,
        progress: (Int) -> Void
    ) throws -> RemoteStore.Tally {
        if template != nil || RemoteStore.fitsCommandLine(paths, root: store.root) {
            return try remote.send(paths, listedIn: folder, from: store.root, progress: progress)
        }
        return try remote.sendAll(name, algorithm: store.format.algorithm, excluding: excluding, from: store.root, progress: progress)
    }
}
