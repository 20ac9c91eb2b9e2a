import Dispatch
import FlecheSystem
import FlecheValue
import Foundation

/// Automatic trimming of a store with a ``StoreBudget`` whose `trimsAutomatically` is set:
/// the store stays near its `maxSize` while it is written, without a cron job.
///
/// After every save, a process adds the bytes it wrote; each time that reaches 1/64 of the
/// budget, it looks at the store's estimated size (``StoreSizeEstimate``: the last
/// measurement plus every process's bytes written since, a few small file reads). At 90% of
/// the budget it tries to take `stats/trim.lock` without waiting: the one process that gets
/// it trims on a background thread (gc with the budget at 70%, which measures the store first
/// and stops there when it is under 90%; then the new measurement is recorded), so the save
/// that found the store full returns at once. A save that finds the store at 90% or more
/// while another process trims waits for that trim, 50 ms at most less what it already waited
/// for the store's lock (a gc's exclusive hold); while a process finds the store so full, each
/// of its saves looks again and waits so, which holds writers back to a save per 50 ms each
/// until the trim is done.
///
/// A process that exits normally while it trims finishes the trim first; one that is killed
/// leaves what gc leaves when it is killed, and its lock is released by the kernel.
final class AutoTrim: Sendable {
    /// Trimming starts when the estimate reaches this part of the budget…
    static let startFraction = 0.9
    /// …and evicts down to this part.
    static let targetFraction = 0.7
    /// A process looks at the estimate each time it has written this part of the budget.
    static let lookFraction = 1.0 / 64
    /// The longest a save waits on cleanup: for the store's lock and another process's trim together.
    static let longestWait: Duration = .milliseconds(50)

    let maxSize: Int
    let maxAge: Double?
    private let lookEvery: Int
    private struct Looking {
        /// Bytes written since the last look.
        var unlooked = 0
        /// Whether the last look found the store at the start of trimming or over.
        var full = false
        /// Whether trimming failed in this process (it then stops trying).
        var disabled = false
    }
    private let looking = Locked(Looking())

    /// Trims running in this process: the exit hook waits for them.
    private static let running = DispatchGroup()
    private static let exitHookRegistered = Locked(false)

    init(maxSize: Int, maxAge: Double?) {
        self.maxSize = maxSize
        self.maxAge = maxAge
        self.lookEvery = max(1, Int(Double(maxSize) * Self.lookFraction))
    }

    /// Called after each save into `store` with the bytes of the new files and how long the
    /// save waited for the store's lock; returns how long it then waited for a trim.
    func saved(bytes: Int, into store: FileStore, lockWait: Duration) -> Duration {
        let look = looking.withLock { looking -> Bool in
            looking.unlooked += bytes
            // While the store is full, every save looks (and waits for the trim).
            guard !looking.disabled, looking.unlooked >= lookEvery || looking.full else { return false }
            looking.unlooked = 0
            return true
        }
        guard look else { return .zero }
        do {
            let estimate = try StoreSizeEstimate(store: store).current()
            // No estimate yet (a first trim is measuring): as good as full.
            let full = estimate.map { Double($0) >= Double(maxSize) * Self.startFraction } ?? true
            looking.withLock { $0.full = full }
            if estimate != nil, !full { return .zero }
            if try startTrim(store) { return .zero }
            // Another trim runs: hold this writer back a little while the store is full.
            if full { return waitForTrim(store, within: Self.longestWait - lockWait) }
        } catch {
            disable(store, error)
        }
        return .zero
    }

    private func trimLock(_ store: FileStore) throws -> FileLock {
        let folder = StatisticsFolder(layout: store.layout)
        return try fenced { () throws(SystemCallError) in try folder.openLock(folder.directory + "/trim.lock") }
    }

    /// Starts a trim on a background thread if no process trims; whether it started one.
    private func startTrim(_ store: FileStore) throws -> Bool {
        let lock = try trimLock(store)
        guard try fenced({ try lock.lockExclusiveIfFree() }) else { return false }
        Self.registerExitHook()
        Self.running.enter()
        let thread = Thread { [self] in
            defer {
                lock.unlock()
                Self.running.leave()
            }
            trim(store)
        }
        thread.stackSize = 8 << 20
        thread.start()
        return true
    }

    /// Runs gc with the budget lowered to the target, which first measures the store (its
    /// reading `stat`s every object and manifest) and goes on only when that is over the start
    /// of trimming; records what remains: the measurement less what gc removed. Bytes written
    /// meanwhile are counted after it (and, if the reading saw them, twice: the estimate errs
    /// large, so trims come early rather than late).
    func trim(_ store: FileStore) {
        let estimate = StoreSizeEstimate(store: store)
        do {
            let writtenAtStart = try estimate.bytesWritten()
            var collector = GarbageCollector(store: store, budget: StoreBudget(maxSize: Int(Double(maxSize) * Self.targetFraction), maxAge: maxAge))
            collector.startingSize = Int(Double(maxSize) * Self.startFraction)
            let report = try collector.run()
            let before = report.sizeBefore ?? 0
            let after = max(0, before - report.evictedBytes - report.freedBytes)
            // Bytes in files shrink with bytes on disk: the ratio of the two stays as measured.
            let bytes = before > 0 ? Int(Double(report.fileBytesBefore ?? 0) * Double(after) / Double(before)) : 0
            if !report.measuredOnly {
                log.debug("store trimmed", metadata: [
                    "store": "\(store.root)", "measured": "\(before)", "evicted": "\(report.evicted.count)",
                    "freed": "\(report.freedBytes)",
                ])
            }
            try estimate.record(StoreSizeEstimate.Measurement(allocated: after, bytes: bytes, writtenAtStart: writtenAtStart))
        } catch {
            disable(store, error)
        }
    }

    /// Stops trimming in this process (with one warning): a store whose `stats/` cannot be
    /// written, or whose trim failed, is no longer trimmed by it; saves go on as without a budget.
    private func disable(_ store: FileStore, _ error: any Error) {
        looking.withLock { $0.disabled = true }
        log.warning("this process stops trimming the store automatically; run `fleche gc` with its budget", metadata: [
            "store": "\(store.root)", "error": "\(error)",
        ])
    }

    /// Waits until no process holds the trim lock, `limit` at most (polling every 2 ms);
    /// returns how long it waited.
    private func waitForTrim(_ store: FileStore, within limit: Duration) -> Duration {
        let start = ContinuousClock.now
        guard limit > .zero, let lock = try? trimLock(store) else { return ContinuousClock.now - start }
        let deadline = start + limit
        while true {
            if (try? lock.lockExclusiveIfFree()) == true {
                lock.unlock()
                break
            }
            let now = ContinuousClock.now
            guard now < deadline else { break }
            let pause = min(Duration.milliseconds(2), deadline - now)
            usleep(UInt32(pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000))
        }
        return ContinuousClock.now - start
    }

    /// Waits for the trims this process runs (the exit hook, and tests).
    package static func waitForRunningTrims() {
        running.wait()
    }

    private static func registerExitHook() {
        exitHookRegistered.withLock { registered in
            guard !registered else { return }
            registered = true
            ProcessExit.run { AutoTrim.waitForRunningTrims() }
        }
    }
}
