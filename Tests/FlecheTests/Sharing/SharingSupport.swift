import Foundation
import Testing
@testable import Fleche
@testable import FlecheSharing
@testable import FlecheStore

/// A store with calls of two functions whose results are nested arrays, so that each result
/// is a top object (too large to inline) with child objects: `tables(i)` and `squares(i)`.
struct SharedStoreFixture {
    let root: String
    let store: FileStore

    init(root: String, algorithm: DigestAlgorithm? = nil, signingKeys: SigningKeys? = nil) throws {
        self.root = root
        store = try FileStore(root: root, algorithm: algorithm, signingKeys: signingKeys)
    }

    var cache: Cache { Cache(store: store) }

    /// Ten rows of two lists of numbers, distinct per `i`.
    static func table(_ i: Int) -> [[[Int]]] {
        (0..<10).map { row in (0..<2).map { half in (0..<20).map { i * 1_000 + row * 40 + half * 20 + $0 } } }
    }

    func tables(_ runs: Counter = Counter()) -> Memoized<Int, [[[Int]]]> {
        memoize("tables", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> [[[Int]]] in
            runs.increment()
            return Self.table(i)
        }
    }

    func squares(_ runs: Counter = Counter()) -> Memoized<Int, [[[Int]]]> {
        memoize("squares", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> [[[Int]]] in
            runs.increment()
            return Self.table(i).map { $0.map { $0.map { -$0 * $0 } } }
        }
    }

    /// Computes `tables(0..<n)` and `squares(0..<n)`.
    func fill(_ range: Range<Int>) throws {
        for i in range {
            _ = try tables()(i)
            _ = try squares()(i)
        }
    }

    /// Whether every call of `range` is a hit here (no body runs).
    func allHit(_ range: Range<Int>) throws -> Bool {
        let runs = Counter()
        for i in range {
            #expect(try tables(runs)(i) == Self.table(i))
            _ = try squares(runs)(i)
        }
        return runs.value == 0
    }
}

/// Files of a store's `objects/` and `calls/`, relative to the store.
func storeFiles(_ root: String) -> Set<String> {
    Set(filesUnder(root).filter { $0.hasPrefix("objects/") || $0.hasPrefix("calls/") })
}

/// An `rsync` that logs each run's arguments and file list, then runs the real one.
func loggingRsync(in directory: TemporaryDirectory) throws -> (rsync: Rsync, log: String) {
    let log = directory.sub("rsync.log")
    let script = directory.sub("rsync-logging")
    try """
        #!/bin/sh
        # One append per run, so that runs at the same time (a push reads FORMAT beside its
        # dry run) do not interleave their lines.
        entry=$(mktemp)
        echo "RUN $*" >> "$entry"
        for argument in "$@"; do
            case "$argument" in --files-from=*) cat "${argument#--files-from=}" >> "$entry";; esac
        done
        cat "$entry" >> '\(log)'
        rm -f "$entry"
        exec \(rsyncPath ?? "rsync") "$@"
        """.write(toFile: script, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
    var rsync = Rsync()
    rsync.executable = script
    return (rsync, log)
}
