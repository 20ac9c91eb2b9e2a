import FlecheSystem
import FlecheValue

/// This process's counts for one store: kept in memory and written to the process's own
/// file under `stats/` at most once a second, when the store is closed and when the process
/// exits (``StatisticsFolder``). Counting takes an in-process lock for a few additions, never
/// a file lock; a store that cannot be written to (read-only, full) stops counting with one
/// warning, and never fails a call.
package final class UsageLedger: Sendable {
    /// What one call did.
    package enum Event: Sendable {
        case hit
        case miss
        case error
        /// A call record written, with the bytes of the new files.
        case store(bytes: Int)
    }

    private struct State {
        var counts = CountsByFunction()
        var unwritten = false
        var lastWrite: ContinuousClock.Instant?
        /// Held from the first write until the process ends.
        var lock: FileLock?
        var disabled = false
    }

    private let folder: StatisticsFolder
    private let process: String
    /// Writes the counts at exit; cancelled when the ledger goes first.
    private let exitAction: ProcessExit.Registration
    private let state = Locked(State())
    /// How often the counts are written at most while calls keep coming.
    static let writeInterval: Duration = .seconds(1)

    init(folder: StatisticsFolder) {
        self.folder = folder
        // One file per ledger: a process that opens the store twice keeps two.
        self.process = StoreLayout.uniqueName()
        let weakSelf = WeakLedger()
        exitAction = ProcessExit.run { weakSelf.ledger?.write() }
        weakSelf.ledger = self
    }

    deinit {
        write()
        ProcessExit.cancel(exitAction)
    }

    /// Counts `event` for `function` (its qualified name).
    package func record(_ event: Event, function: String) {
        state.withLock { state in
            guard !state.disabled else { return }
            var counts = state.counts[function] ?? CallCounts()
            switch event {
            case .hit: counts.hits += 1
            case .miss: counts.misses += 1
            case .error: counts.errors += 1
            case .store(let bytes):
                counts.stores += 1
                counts.bytesWritten += bytes
            }
            state.counts[function] = counts
            state.unwritten = true
            let now = ContinuousClock.now
            if let last = state.lastWrite, now - last < Self.writeInterval { return }
            state.lastWrite = now
            writeLocked(&state)
        }
    }

    /// Writes what was counted and not written yet.
    package func write() {
        state.withLock { state in
            guard state.unwritten, !state.disabled else { return }
            writeLocked(&state)
        }
    }

    private func writeLocked(_ state: inout State) {
        do {
            // The lock first: a counter file without a held lock is a process that ended.
            if state.lock == nil { state.lock = try takeLock() }
            try folder.writeCounts(state.counts, process: process)
            state.unwritten = false
        } catch {
            state.disabled = true
            log.warning("this process stops counting hits and misses in the store", metadata: [
                "store": "\(folder.layout.root)", "error": "\(error)",
            ])
        }
    }

    private func takeLock() throws(SystemCallError) -> FileLock {
        let path = folder.lockPath(process)
        let lock = try folder.openLock(path)
        guard try lock.lockExclusiveIfFree() else {
            throw SystemCallError(path: path, operation: "flock", errno: .wouldBlock)
        }
        return lock
    }
}

/// A ledger that the exit hook can reach without keeping it alive.
private final class WeakLedger: @unchecked Sendable {
    // @unchecked: a weak reference is loaded and cleared atomically by the runtime.
    weak var ledger: UsageLedger?
}
