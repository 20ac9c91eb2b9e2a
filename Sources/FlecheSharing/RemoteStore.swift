import FlecheStore
import FlecheSystem
import FlecheValue
import Foundation

/// The other side of a push or pull: a store at an address, seen only through `rsync`.
struct RemoteStore {
    let address: StoreAddress
    let rsync: Rsync

    /// What one rsync run moved.
    struct Tally {
        /// The files transferred, relative to the store.
        var paths: [String] = []
        var bytes = 0
        var files: Int { paths.count }
    }

    /// The store's calls and objects: the names rsync lists under `calls/` and `objects/`
    /// (anything that is not a key of `algorithm`, such as rsync's temp files, is left out).
    func list(algorithm: DigestAlgorithm) throws -> RemoteListing {
        var listing = RemoteListing(hexLength: algorithm.hexLength)
        let outcome = try rsync.run(
            rsync.commonOptions + ["--list-only", "--recursive", "--no-human-readable", "--include=/objects/***", "--include=/calls/***", "--exclude=*", address.rsyncRoot]
        ) { listing.add(line: $0) }
        try check(outcome, doing: "list")
        return listing
    }

    /// Copies the store's `FORMAT` into `folder`; returns its bytes, or `nil` when the
    /// address has no `FORMAT` (not a store, or not there at all).
    func fetchFormat(into folder: IncomingFolder) throws -> [UInt8]? {
        let (source, entries) = address.fetchArguments(["FORMAT"])
        let list = try folder.writeList(entries)
        let outcome = try rsync.run(rsync.commonOptions + ["--files-from=\(list)", source, folder.path + "/"])
        if outcome.missingSource { return nil }
        try check(outcome, doing: "read FORMAT")
        return try folder.read("FORMAT")
    }

    /// Copies the files at `paths` (relative to the store) into `folder`.
    func fetch(_ paths: [String], into folder: IncomingFolder, progress: (Int) -> Void) throws -> Tally {
        guard !paths.isEmpty else { return Tally() }
        let (source, entries) = address.fetchArguments(paths)
        return try transfer(entries, listedIn: folder, from: source, to: folder.path + "/", extra: [], progress: progress)
    }

    /// What this store lacks of a local store: paths relative to the store.
    struct Missing {
        var calls: Set<String> = []
        var objects: Set<String> = []
    }

    /// The manifests and objects of the local store at `root` that this store lacks, found
    /// by a dry run of a walk of both folders: rsync prints only the names that would move,
    /// so this costs a walk of both sides, less than a listing of every name there
    /// (`--list-only` writes one line per file).
    func missing(from root: String, algorithm: DigestAlgorithm, stopper: ChildProcess.Stopper? = nil) throws -> Missing {
        let rules = Self.keyRules("calls", algorithm: algorithm) + Self.keyRules("objects", algorithm: algorithm) + ["--exclude=*"]
        let tally = try run(rsync.commonOptions + ["--recursive", "--dry-run"] + rules + [Self.folder(root)], to: address.rsyncRoot, stopper: stopper) { _ in }
        var missing = Missing()
        for path in tally.paths {
            if path.hasPrefix("calls/") { missing.calls.insert(path) } else if path.hasPrefix("objects/") { missing.objects.insert(path) }
        }
        return missing
    }

    /// Reads this store's `FORMAT` (``fetchFormat(into:)``) and what it lacks of the local
    /// store at `root` (``missing(from:algorithm:stopper:)``); nothing is missing when there
    /// is no `FORMAT` (there is no store to compare with).
    ///
    /// For a store on this machine, both run at the same time, so that they pay rsync's
    /// start and exit (two 20 ms sleeps in every run) once; the dry run is stopped when
    /// there is no `FORMAT`. Over ssh or to a daemon they run one after the other: each run
    /// may ask for a password or passphrase, and two prompts at once on one terminal
    /// would garble both.
    func fetchFormatAndMissing(
        into folder: IncomingFolder, from root: String, algorithm: DigestAlgorithm
    ) -> (format: Result<[UInt8]?, Error>, missing: Result<Missing, Error>) {
        guard address.isLocal else {
            let format = Result { try fetchFormat(into: folder) }
            guard case .success(.some) = format else { return (format, .success(Missing())) }
            return (format, Result { try self.missing(from: root, algorithm: algorithm) })
        }
        let format = Locked<Result<[UInt8]?, Error>?>(nil)
        let group = DispatchGroup()
        let other = self
        let stopper = ChildProcess.Stopper()
        DispatchQueue.global().async(group: group) {
            let result = Result { try other.fetchFormat(into: folder) }
            format.withLock { $0 = result }
            if case .success(nil) = result { stopper.stop() }
        }
        let missing = Result { try self.missing(from: root, algorithm: algorithm, stopper: stopper) }
        group.wait()
        return (format.withLock { $0! }, missing)
    }

    /// Creates this store from the local store at `root`: its `FORMAT` and empty folders
    /// (`--dirs`), the path made as needed (`--mkpath`). Returns whether this `FORMAT` was
    /// written (false when another process created the store first: its `FORMAT` stays).
    func create(from root: String) throws -> Bool {
        let sources = ["FORMAT", "calls", "objects", "tmp"].map { Self.folder(root) + "./" + $0 }
        let tally = try run(rsync.commonOptions + ["--mkpath", "--dirs", "--relative"] + sources, to: address.rsyncRoot) { _ in }
        return tally.paths.contains("FORMAT")
    }

    /// Copies the files at `paths` (relative to the local store at `root`) to this store,
    /// each only if the store does not have it (`--ignore-existing`), through the store's
    /// `tmp/` (`--temp-dir`), so a file appears in place whole or not at all. The paths go
    /// on rsync's command line (`root/./path` with `--relative`): a `--files-from` list
    /// would cost 74 system calls per name, read one byte at a time.
    func send(_ paths: [String], from root: String, progress: (Int) -> Void) throws -> Tally {
        guard !paths.isEmpty else { return Tally() }
        let base = Self.folder(root) + "./"
        return try run(rsync.commonOptions + ["--temp-dir=tmp", "--relative"] + paths.map { base + $0 }, to: address.rsyncRoot, progress: progress)
    }

    /// Whether ``send(_:from:progress:)`` may put `paths` on one command line: at most
    /// `listLimit` names and 256 KiB (Linux allows 2 MiB of arguments and environment).
    static func fitsCommandLine(_ paths: [String], root: String) -> Bool {
        paths.count <= listLimit && paths.reduce(0) { $0 + $1.utf8.count + root.utf8.count + 4 } <= 262_144
    }

    /// Above this many files a whole store is sent by walking its folders with filter
    /// rules, which costs what `rsync -a` does; below it, naming the files costs less.
    static let listLimit = 1_500

    /// Copies the files at `paths` like ``send(_:from:progress:)``, named in a file list
    /// (`--files-from`) in `folder`: for sets too large for a command line (rsync reads the
    /// list one byte per `read`, about 110 µs per file here).
    func send(_ paths: [String], listedIn folder: IncomingFolder, from root: String, progress: (Int) -> Void) throws -> Tally {
        guard !paths.isEmpty else { return Tally() }
        if Self.fitsCommandLine(paths, root: root) { return try send(paths, from: root, progress: progress) }
        return try transfer(paths, listedIn: folder, from: Self.folder(root), to: address.rsyncRoot, extra: ["--temp-dir=tmp"], progress: progress)
    }

    /// Sends every file of `folder` (`objects` or `calls`) whose name is a key of
    /// `algorithm` and that this store lacks, except `excluding` (relative paths), walking
    /// the folder with filter rules: for sets too large to name one by one.
    func sendAll(
        _ folder: String, algorithm: DigestAlgorithm, excluding: [String] = [], from root: String, progress: (Int) -> Void
    ) throws -> Tally {
        let rules = excluding.map { "--exclude=/\($0)" } + Self.keyRules(folder, algorithm: algorithm) + ["--exclude=*"]
        return try run(rsync.commonOptions + ["--recursive", "--temp-dir=tmp"] + rules, from: Self.folder(root), to: address.rsyncRoot, progress: progress)
    }

    private static func folder(_ path: String) -> String { path.hasSuffix("/") ? path : path + "/" }

    /// Copies into `folder` every manifest and object of this store whose name is a key of
    /// `algorithm` and that the local store at `root` lacks (`--compare-dest` with
    /// `--size-only`: a file of that name and size there is not copied; a manifest of
    /// another size is copied, and the local one kept when they are moved in).
    func fetchAll(into folder: IncomingFolder, comparingWith root: String, algorithm: DigestAlgorithm, progress: (Int) -> Void) throws -> Tally {
        let rules = Self.keyRules("calls", algorithm: algorithm) + Self.keyRules("objects", algorithm: algorithm) + ["--exclude=*"]
        return try run(
            rsync.commonOptions + ["--recursive", "--compare-dest=\(root)", "--size-only"] + rules,
            from: address.rsyncRoot, to: folder.path + "/", progress: progress)
    }

    /// Filter rules that take `folder/xy/<key>` for every key of `algorithm`; followed by
    /// `--exclude=*`, nothing else moves (`tmp/`, `gc.lock`, `lost+found/`, stray names).
    static func keyRules(_ folder: String, algorithm: DigestAlgorithm) -> [String] {
        let hex = "[0-9a-f]"
        return ["--include=/\(folder)/", "--include=/\(folder)/\(hex)\(hex)/",
                "--include=/\(folder)/\(hex)\(hex)/" + String(repeating: hex, count: algorithm.hexLength - 2)]
    }

    /// Runs one transfer of `paths`, listed in a file of `folder` (`--files-from`).
    private func transfer(
        _ paths: [String], listedIn folder: IncomingFolder, from source: String, to destination: String, extra: [String],
        progress: (Int) -> Void
    ) throws -> Tally {
        let list = try folder.writeList(paths)
        return try run(rsync.commonOptions + extra + ["--files-from=\(list)"], from: source, to: destination, progress: progress)
    }

    /// Runs rsync with `arguments`, each file only if the receiver lacks it
    /// (`--ignore-existing`), and tallies the files it reports.
    private func run(_ arguments: [String], from source: String, to destination: String, progress: (Int) -> Void) throws -> Tally {
        try run(arguments + [source], to: destination, progress: progress)
    }

    /// Runs rsync with `arguments` (ending with the sources) and `destination`.
    private func run(_ arguments: [String], to destination: String, stopper: ChildProcess.Stopper? = nil, progress: (Int) -> Void) throws -> Tally {
        var tally = Tally()
        // `--out-format` prints one line per file actually transferred: ">> LENGTH NAME".
        let outcome = try rsync.run(["--ignore-existing", "--out-format=>> %l %n"] + arguments + [destination], stopper: stopper) { line in
            guard line.hasPrefix(">> "), !line.hasSuffix("/") else { return }
            let fields = line.dropFirst(3).split(separator: " ", maxSplits: 1)
            guard fields.count == 2 else { return }
            tally.paths.append(String(fields[1]))
            tally.bytes += Int(fields[0]) ?? 0
            progress(tally.files)
        }
        // 24: files vanished on the sending side while rsync ran (a manifest replaced, an
        // object swept): what is left is consistent, the caller reports what moved.
        if outcome.status != 24 { try check(outcome, doing: "copy") }
        return tally
    }

    private func check(_ outcome: Rsync.Outcome, doing: String) throws {
        guard outcome.status != 0 else { return }
        throw SharingError.rsyncFailed(address: address.description, status: outcome.status, message: outcome.lastError)
    }
}
