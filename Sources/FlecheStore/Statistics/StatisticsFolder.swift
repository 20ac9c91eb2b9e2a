import FlecheSystem
import FlecheValue
import Foundation

/// The `stats/` folder of a store: the counter files of the processes that used it, and
/// what earlier processes counted, folded into one file.
///
/// ```
/// stats/<process>.lock    held (flock) by the process as long as it runs
/// stats/<process>.counts  its counts since it started, replaced as it goes (JSON)
/// stats/total.json        the folded counts, which processes were folded last, and the
///                         counts of running processes at the last zeroing
/// stats/fold.lock         held while folding or zeroing
/// ```
///
/// A process's counts are folded into `total.json` only once it no longer holds its lock
/// (it exited, or was killed); `total.json` names the processes it folded last, so a fold
/// cut short before it removed their files never counts them twice. Reading takes no lock.
struct StatisticsFolder: Sendable {
    let layout: StoreLayout
    var directory: String { layout.root + "/stats" }

    static let countsSuffix = ".counts"
    static let lockSuffix = ".lock"

    func countsPath(_ process: String) -> String { "\(directory)/\(process)\(Self.countsSuffix)" }
    func lockPath(_ process: String) -> String { "\(directory)/\(process)\(Self.lockSuffix)" }
    var totalPath: String { directory + "/total.json" }
    var foldLockPath: String { directory + "/fold.lock" }

    /// What `total.json` holds.
    struct Total {
        var counts = CountsByFunction()
        /// Processes folded by the last fold: their files, if still there, count nothing.
        var folded: Set<String> = []
        /// The counts of processes that were running when the counters were zeroed: what
        /// their files count beyond these is new.
        var baselines: [String: CountsByFunction] = [:]
        var zeroedAt: Date?

        var json: JSON {
            var members: [(String, JSON)] = [
                ("version", .int(1)), ("functions", counts.json),
                ("folded", .array(folded.sorted().map(JSON.string))),
                ("baselines", .object(baselines.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })),
            ]
            if let zeroedAt { members.append(("zeroed_at", .double(zeroedAt.timeIntervalSince1970))) }
            return .object(members)
        }

        init() {}

        init(json: JSON) {
            counts = CountsByFunction(json: json["functions"])
            folded = Set((json["folded"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (process, counts) in json["baselines"]?.objectValue ?? [] { baselines[process] = CountsByFunction(json: counts) }
            zeroedAt = json["zeroed_at"]?.doubleValue.map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Writes one process's counts (atomically: a reader sees the old file or the new).
    func writeCounts(_ counts: CountsByFunction, process: String) throws {
        let document = JSON.object([("version", .int(1)), ("functions", counts.json)])
        try layout.writeAtomically(document.serializedBytes(), to: countsPath(process), durable: false)
    }

    /// The processes with a counter file, and their counts; a file that does not parse
    /// (damaged, from a newer version) counts nothing and is left for the next fold.
    private func processCounts() throws -> [(process: String, counts: CountsByFunction)] {
        var out: [(process: String, counts: CountsByFunction)] = []
        for name in try fenced({ try FileSystem.entries(directory) }) ?? [] where name.hasSuffix(Self.countsSuffix) {
            let process = String(name.dropLast(Self.countsSuffix.count))
            guard let bytes = try? fenced({ try FileSystem.readFile(countsPath(process)) }),
                  let document = try? JSON.parse(bytes) else {
                out.append((process, [:]))
                continue
            }
            out.append((process, CountsByFunction(json: document["functions"])))
        }
        return out
    }

    private func readTotal() throws -> Total {
        guard let bytes = try fenced({ try FileSystem.readFile(totalPath) }) else { return Total() }
        guard let document = try? JSON.parse(bytes) else {
            log.warning("stats/total.json does not parse; counting from the processes' files only", metadata: ["path": "\(totalPath)"])
            return Total()
        }
        return Total(json: document)
    }

    private func writeTotal(_ total: Total) throws {
        try layout.writeAtomically(total.json.serializedBytes(), to: totalPath, durable: false)
    }

    /// The folded counts plus every process's counts beyond its baseline.
    func read() throws -> UsageStatistics {
        let total = try readTotal()
        var counts = total.counts
        for (process, processCounts) in try processCounts() where !total.folded.contains(process) {
            counts += processCounts.subtracting(total.baselines[process] ?? [:])
        }
        return UsageStatistics(byFunction: counts, zeroedAt: total.zeroedAt)
    }

    /// Folds the counts of processes that have ended into `total.json` and removes their
    /// files; returns how many were folded.
    @discardableResult
    func fold() throws -> Int {
        try withFoldLock { try foldLocked() }
    }

    /// Sets every counter to zero: what ended processes counted is dropped, and running
    /// processes count from what they have counted now.
    func zero(now: Date = Date()) throws {
        try withFoldLock {
            _ = try foldLocked()
            var total = Total()
            total.zeroedAt = now
            for (process, counts) in try processCounts() where !counts.isEmpty { total.baselines[process] = counts }
            try writeTotal(total)
        }
    }

    private func foldLocked() throws -> Int {
        var total = try readTotal()
        // What the last fold folded but could not remove yet.
        for process in total.folded { removeFiles(process) }
        var folded: Set<String> = []
        for (process, counts) in try processCounts() where !total.folded.contains(process) {
            guard hasEnded(process) else { continue }
            total.counts += counts.subtracting(total.baselines[process] ?? [:])
            total.baselines[process] = nil
            folded.insert(process)
        }
        guard !folded.isEmpty || !total.folded.isEmpty else { return 0 }
        total.folded = folded
        try writeTotal(total)
        for process in folded { removeFiles(process) }
        return folded.count
    }

    /// Whether no process holds `process`'s lock (it ended, or was killed).
    private func hasEnded(_ process: String) -> Bool {
        guard let lock = try? FileLock(path: lockPath(process)) else { return false }
        guard (try? lock.lockExclusiveIfFree()) == true else { return false }
        lock.unlock()
        return true
    }

    private func removeFiles(_ process: String) {
        _ = try? FileSystem.removeFile(countsPath(process))
        _ = try? FileSystem.removeFile(lockPath(process))
    }

    /// Opens (creating it, and `stats/` if needed) the lock file at `path`, unlocked.
    func openLock(_ path: String) throws(SystemCallError) -> FileLock {
        if let opened = try? FileLock(path: path) { return opened }
        try FileSystem.makeDirectories(directory)
        return try FileLock(path: path)
    }

    private func withFoldLock<R>(_ body: () throws -> R) throws -> R {
        let lock = try fenced { () throws(SystemCallError) in try openLock(foldLockPath) }
        try fenced { try lock.lockExclusive() }
        defer { lock.unlock() }
        return try body()
    }
}
