import FlecheValue

extension FileStore {
    /// Hits, misses, stores, errors and bytes written, per function, since the counters were
    /// last zeroed: every process's counts, this one's included (written out first), with
    /// those of processes that have ended folded into `stats/total.json` on the way.
    /// - Throws: `FlecheError.io` when `stats/` cannot be read.
    public func usageStatistics() throws -> UsageStatistics {
        usage.write()
        let folder = StatisticsFolder(layout: layout)
        do {
            try folder.fold()
        } catch {
            // A reader without write access still reads.
            log.debug("stats not folded", metadata: ["error": "\(error)"])
        }
        return try folder.read()
    }

    /// Sets the counters of ``usageStatistics()`` to zero (`fleche stats --zero`). Running
    /// processes go on counting from zero; what they counted in their last second, not yet
    /// written, may still appear.
    /// - Throws: `FlecheError.io` when `stats/` cannot be written.
    public func zeroUsageStatistics() throws {
        usage.write()
        try StatisticsFolder(layout: layout).zero()
    }

    /// Folds the counter files of processes that have ended into one (gc does this).
    /// - Returns: how many processes' files were folded.
    @discardableResult
    package func foldUsageStatistics() throws -> Int {
        try StatisticsFolder(layout: layout).fold()
    }
}
