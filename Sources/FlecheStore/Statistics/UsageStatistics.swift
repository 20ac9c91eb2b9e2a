import FlecheValue
import Foundation

/// Hits, misses, stores, errors and bytes written in one store, per function and in total,
/// since the counters were last zeroed: what `fleche stats` shows. Every process that uses
/// the store counts in memory and writes its counts to a file of its own under `stats/`
/// (``FileStore/usageStatistics()`` merges them); nothing on a hit takes a file lock.
public struct UsageStatistics: Sendable, Equatable {
    /// Counts by function, keyed by the function's qualified name (`Module.name`).
    public var byFunction: [String: CallCounts]
    /// When the counters were last zeroed (`fleche stats --zero`); `nil` if never.
    public var zeroedAt: Date?

    /// Statistics with these counts.
    /// - Parameters:
    ///   - byFunction: counts by qualified function name.
    ///   - zeroedAt: when the counters were last zeroed.
    public init(byFunction: [String: CallCounts] = [:], zeroedAt: Date? = nil) {
        self.byFunction = byFunction
        self.zeroedAt = zeroedAt
    }

    /// Every function's counts added up.
    public var total: CallCounts { byFunction.values.reduce(CallCounts(), +) }

    /// The statistics as `fleche stats --json` prints them: the total and each function.
    public var json: JSON {
        var members: [(String, JSON)] = [("total", total.json), ("functions", byFunction.json)]
        if let zeroedAt { members.append(("zeroed_at", .double(zeroedAt.timeIntervalSince1970))) }
        return .object(members)
    }
}
