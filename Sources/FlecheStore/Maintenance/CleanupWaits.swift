import FlecheSystem

/// How long this process's saves waited on cleanup: for the store's lock while a gc held it
/// exclusively, plus for another process's automatic trim (``AutoTrim``). Recorded per save
/// (a lock and a comparison), read by benchmarks to show the wait a budget adds to a save.
package enum CleanupWaits {
    private struct Tally {
        var longest = Duration.zero
        var total = Duration.zero
        var saves = 0
    }

    private static let tally = Locked(Tally())

    /// Adds one save's wait.
    static func record(_ wait: Duration) {
        tally.withLock { tally in
            tally.longest = max(tally.longest, wait)
            tally.total += wait
            tally.saves += 1
        }
    }

    /// The longest wait of any save in this process so far.
    package static var longest: Duration { tally.withLock { $0.longest } }

    /// Every save's wait added up, and the number of saves.
    package static var total: (wait: Duration, saves: Int) { tally.withLock { ($0.total, $0.saves) } }
}
