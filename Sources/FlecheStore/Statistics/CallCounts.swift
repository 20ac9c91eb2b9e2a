import FlecheValue

/// What happened to the calls of one function (or of all of them): the counters that
/// `fleche stats` shows, like `ccache -s`.
public struct CallCounts: Sendable, Hashable {
    /// Calls answered from the store.
    public var hits = 0
    /// Calls whose body ran because the store had no result.
    public var misses = 0
    /// Call records written to the store (by a miss, or a transfer into it).
    public var stores = 0
    /// Calls that ended in an error (the body or the store threw), and results that could
    /// not be stored.
    public var errors = 0
    /// Bytes of new files written by stores: objects that were not there yet, and manifests.
    public var bytesWritten = 0

    /// No calls.
    public init() {}

    /// Counts with these values.
    /// - Parameters:
    ///   - hits: calls answered from the store.
    ///   - misses: calls whose body ran.
    ///   - stores: call records written.
    ///   - errors: calls that ended in an error, and results not stored.
    ///   - bytesWritten: bytes of new files written.
    public init(hits: Int = 0, misses: Int = 0, stores: Int = 0, errors: Int = 0, bytesWritten: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.stores = stores
        self.errors = errors
        self.bytesWritten = bytesWritten
    }

    /// Hits among hits and misses, from 0 to 1; `nil` before the first of either.
    public var hitRate: Double? {
        hits + misses == 0 ? nil : Double(hits) / Double(hits + misses)
    }

    /// Whether every counter is zero.
    public var isEmpty: Bool { self == CallCounts() }

    /// The sum of two counts.
    public static func + (left: CallCounts, right: CallCounts) -> CallCounts {
        CallCounts(
            hits: left.hits + right.hits, misses: left.misses + right.misses, stores: left.stores + right.stores,
            errors: left.errors + right.errors, bytesWritten: left.bytesWritten + right.bytesWritten)
    }

    /// What `left` counted beyond `right` (never below zero: a counter that went back,
    /// say a process's file written before a reset was read, counts nothing).
    static func - (left: CallCounts, right: CallCounts) -> CallCounts {
        CallCounts(
            hits: max(0, left.hits - right.hits), misses: max(0, left.misses - right.misses),
            stores: max(0, left.stores - right.stores), errors: max(0, left.errors - right.errors),
            bytesWritten: max(0, left.bytesWritten - right.bytesWritten))
    }

    /// The counts as `fleche stats --json` and the counter files write them.
    public var json: JSON {
        .object([
            ("hits", .int(Int64(hits))), ("misses", .int(Int64(misses))), ("stores", .int(Int64(stores))),
            ("errors", .int(Int64(errors))), ("bytes_written", .int(Int64(bytesWritten))),
        ])
    }

    /// Reads counts written by ``json``; a member that is missing or not a count reads as 0
    /// (a counter file from another version of Fleche loses only what it does not share).
    init(json: JSON) {
        func count(_ name: String) -> Int {
            guard let value = json[name]?.int64Value, value >= 0, value < Int64(Int.max / 4) else { return 0 }
            return Int(value)
        }
        self.init(
            hits: count("hits"), misses: count("misses"), stores: count("stores"), errors: count("errors"),
            bytesWritten: count("bytes_written"))
    }
}

/// Counts by function, the unit that counter files hold: a function's qualified name
/// (`Module.name`) to its counts.
typealias CountsByFunction = [String: CallCounts]

extension Dictionary where Key == String, Value == CallCounts {
    /// Adds `other`'s counts function by function.
    static func += (left: inout Self, right: Self) {
        for (function, counts) in right { left[function, default: CallCounts()] = left[function, default: CallCounts()] + counts }
    }

    /// What `self` counted beyond `baseline`, function by function.
    func subtracting(_ baseline: Self) -> Self {
        guard !baseline.isEmpty else { return self }
        var out = Self()
        for (function, counts) in self {
            let beyond = counts - (baseline[function] ?? CallCounts())
            if !beyond.isEmpty { out[function] = beyond }
        }
        return out
    }

    /// The counts as a JSON object, functions in name order.
    var json: JSON { .object(sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }) }

    /// Reads ``json``: an object of counts; anything else reads as no counts.
    init(json: JSON?) {
        self.init()
        for (function, counts) in json?.objectValue ?? [] where counts.objectValue != nil {
            self[function, default: CallCounts()] = self[function, default: CallCounts()] + CallCounts(json: counts)
        }
    }
}
