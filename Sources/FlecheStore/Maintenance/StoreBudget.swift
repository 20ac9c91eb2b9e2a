import FlecheValue

/// How large and how old a store may grow: gc with a budget evicts the least recently used
/// calls (a hit counts as use) until the store fits, then sweeps what they alone reached.
/// `fleche gc --max-size 50G --max-age 30d`, or `max_size`/`max_age` of a cache in
/// `fleche.toml`.
public struct StoreBudget: Sendable, Hashable {
    /// The most bytes the store's objects and manifests may take on disk, or `nil`.
    public var maxSize: Int?
    /// Calls not used for longer than this many seconds are evicted, or `nil`.
    public var maxAge: Double?
    /// Whether the processes that write the store keep it within `maxSize` themselves
    /// (`auto_trim = true`): when a save finds the store near its budget, one process trims
    /// it on a background thread, so that no cron job is needed. Without `maxSize`, nothing.
    public var trimsAutomatically: Bool

    /// A budget of at most `maxSize` bytes on disk and calls used within `maxAge` seconds.
    /// - Parameters:
    ///   - maxSize: the most bytes on disk (allocated blocks of objects and manifests).
    ///   - maxAge: seconds since a call's last use after which it is evicted.
    ///   - trimsAutomatically: whether writers trim the store when it nears `maxSize`
    ///     (``trimsAutomatically``).
    public init(maxSize: Int? = nil, maxAge: Double? = nil, trimsAutomatically: Bool = false) {
        self.maxSize = maxSize
        self.maxAge = maxAge
        self.trimsAutomatically = trimsAutomatically
    }

    /// Whether the budget limits nothing.
    public var isUnlimited: Bool { maxSize == nil && maxAge == nil }

    /// Reads a size: a whole or decimal number of bytes, or one followed by `K`, `M`, `G` or
    /// `T` (KiB, MiB, GiB, TiB: powers of 1024; `KiB`… and `KB`… are read the same), as
    /// `50G` or `1.5M`.
    /// - Throws: `FlecheError.invalidArguments` naming the text, for anything else.
    public static func parseSize(_ text: String) throws -> Int {
        let units: [(String, Double)] = [
            ("TiB", 0x1p40), ("GiB", 0x1p30), ("MiB", 0x1p20), ("KiB", 0x1p10),
            ("TB", 0x1p40), ("GB", 0x1p30), ("MB", 0x1p20), ("KB", 0x1p10),
            ("T", 0x1p40), ("G", 0x1p30), ("M", 0x1p20), ("K", 0x1p10), ("k", 0x1p10), ("B", 1),
        ]
        let trimmed = text.trimmingSpaces
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number.trimmingSpaces), value.isFinite, value >= 0, value * scale < 0x1p62 else {
            throw FlecheError.invalidArguments("'\(text)' is not a size: give bytes, or a number with K, M, G or T (as 50G)")
        }
        return Int(value * scale)
    }

    /// Reads a duration: `now` (0), seconds, or a number with `s`, `m`, `h` or `d` (as `30d`).
    /// - Throws: `FlecheError.invalidArguments` naming the text, for anything else.
    public static func parseDuration(_ text: String) throws -> Double {
        if text == "now" { return 0 }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text)
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            number = number.dropLast()
            scale = unit
        }
        guard let value = Double(number), value >= 0, value.isFinite else {
            throw FlecheError.invalidArguments("'\(text)' is not a duration: give 'now', seconds, or a number with s, m, h or d (as 30d)")
        }
        return value * scale
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
