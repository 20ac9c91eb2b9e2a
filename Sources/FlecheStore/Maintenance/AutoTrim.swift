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
/// it trims on a background thread (measure, then gc with the budget at 70%, then record the
/// new measurement), so the save that found the store full returns at once. A save that finds
/// the store at 90% or more while another process trims waits for that trim, 50 ms at most;
/// while a process finds the store so full, each of its saves looks again and waits so, which
/// holds writers back to a save per 50 ms each until the trim is done.
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
    /// The longest a save waits for another process's trim.
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

    /// Called after each save into `store` with the bytes of the new files.
    func saved(bytes: Int, into store: FileStore) {
        let look = looking.withLock { looking -> Bool in
            looking.unlooked += bytes
            // While the store is full, every save looks (and waits for the trim).
            guard !looking.disabled, looking.unlooked >= lookEvery || looking.full else { return false }
            looking.unlooked = 0
            return true
        }
        guard look else { return }
        do {
            let estimate = try StoreSizeEstimate(store: store).current()
            // No estimate yet (a first trim is measuring): as good as full.
            let full = estimate.map { Double($0) >= Double(maxSize) * Self.startFraction } ?? true
            looking.withLock { $0.full = full }
            if estimate != nil, !full { return }
            if try startTrim(store) { return }
            // Another trim runs: hold this writer back a little while the store is full.
            if full { waitForTrim(store) }
        } catch {
            disable(store, error)
        }
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

    /// Measures the store and, when it is over the start of trimming, runs gc with the budget
    /// lowered to the target; records what remains.
    func trim(_ store: FileStore) {
        let estimate = StoreSizeEstimate(store: store)
        do {
            var measurement = try estimate.measure()
            if Double(measurement.allocated) >= Double(maxSize) * Self.startFraction {
                let target = StoreBudget(maxSize: Int(Double(maxSize) * Self.targetFraction), maxAge: maxAge)
                let report = try GarbageCollector(store: store, budget: target).run()
                log.debug("store trimmed", metadata: [
                    "store": "\(store.root)", "measured": "\(measurement.allocated)", "evicted": "\(report.evicted.count)",
                    "freed": "\(report.freedBytes)",
                ])
                measurement = try estimate.measure()
            }
            try estimate.record(measurement)
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

    /// Waits until no process holds the trim lock, `longestWait` at most.
    private func waitForTrim(_ store: FileStore) {
        guard let lock = try? trimLock(store) else { return }
        let deadline = ContinuousClock.now + Self.longestWait
        while ContinuousClock.now < deadline {
            if (try? lock.lockExclusiveIfFree()) == true {
                lock.unlock()
                return
            }
            usleep(2_000)
        }
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
