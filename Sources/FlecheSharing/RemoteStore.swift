import FlecheStore
import FlecheValue

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

    /// Copies the files at `paths` from the local store at `root` to this store, each only
    /// if the store does not have it (`--ignore-existing`), through the store's `tmp/`
    /// (`--temp-dir`), so a file appears in place whole or not at all.
    func send(_ paths: [String], listedIn folder: IncomingFolder, from root: String, makingPath: Bool = false, progress: (Int) -> Void) throws -> Tally {
        guard !paths.isEmpty else { return Tally() }
        // A new store: its FORMAT and empty folders (`--dirs` without their contents).
        let extra = makingPath ? ["--mkpath", "--dirs", "--exclude=/*/*"] : ["--temp-dir=tmp"]
        return try transfer(paths, listedIn: folder, from: root.hasSuffix("/") ? root : root + "/", to: address.rsyncRoot, extra: extra, progress: progress)
    }

    /// Sends every file of `folder` (`objects` or `calls`) whose name is a key of
    /// `algorithm` and that this store lacks, except `excluding` (relative paths), walking
    /// the folder with filter rules rather than a file list: rsync reads a `--files-from`
    /// list one byte per `read` (74 system calls per object name, 110 µs per file here),
    /// where a walk costs what `rsync -a` does.
    /// With `dryRun`, nothing moves and the tally lists what would (a listing of what the
    /// store lacks).
    func sendAll(
        _ folder: String, algorithm: DigestAlgorithm, excluding: [String] = [], from root: String, dryRun: Bool = false,
        progress: (Int) -> Void
    ) throws -> Tally {
        let rules = excluding.map { "--exclude=/\($0)" } + Self.keyRules(folder, algorithm: algorithm) + ["--exclude=*"]
        return try run(rsync.commonOptions + ["--recursive", "--temp-dir=tmp"] + (dryRun ? ["--dry-run"] : []) + rules,
                       from: root.hasSuffix("/") ? root : root + "/",
                       to: address.rsyncRoot, progress: progress)
    }

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
        var tally = Tally()
        // `--out-format` prints one line per file actually transferred: ">> LENGTH NAME".
        let outcome = try rsync.run(arguments + ["--ignore-existing", "--out-format=>> %l %n", source, destination]) { line in
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
