import ArgumentParser
import Fleche
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the stored calls, oldest first.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        try printCalls(try cache.query().calls(), cache: cache, json: options.json)
    }
}

/// `2026-11-27T03:14:09`: a time in UTC to the second, as ISO 8601 writes it. Written by
/// hand: Foundation's formatter took 10 µs a row, ten seconds of `fleche ls` on a store of a
/// million calls.
func formatTime(_ seconds: Double?) -> String {
    guard let seconds, seconds.isFinite, abs(seconds) < 1e14 else { return "-" }
    let whole = Int64(seconds.rounded(.down))
    let (days, secondOfDay) = whole.quotientAndRemainder(dividingBy: 86_400)
    let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
    let (year, month, dayOfMonth) = civilDate(daysSince1970: day)
    func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let yearText = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - "\(year)".count) + "\(year)" : "\(year)"
    return "\(yearText)-\(two(month))-\(two(dayOfMonth))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

func printCalls(_ calls: [LazyCall], cache: any BaseCache, json: Bool) throws {
    // Digests compare as their hex does, without building two strings per comparison.
    let sorted = calls.map { ($0.finishedAt ?? 0, $0) }.sorted { ($0.0, $0.1.key) < ($1.0, $1.1.key) }.map(\.1)
    let shortKeys = try cache.shrink(sorted.map(\.key))
    if json {
        printJSON(.array(zip(sorted, shortKeys).map { call, short in
            .object([
                ("key", .string(call.key.hex)), ("short", .string(short)), ("name", .string(call.name)),
                ("module", call.module.map(JSON.string) ?? .null), ("version", call.version.map(JSON.string) ?? .null),
                ("finished", call.finishedAt.map(JSON.double) ?? .null),
            ])
        }))
        return
    }
    var table = TextTable(header: ["KEY", "NAME", "MODULE", "VERSION", "FINISHED"])
    for (call, short) in zip(sorted, shortKeys) {
        table.rows.append([short, call.name, call.module ?? "-", call.version ?? "-", formatTime(call.finishedAt)])
    }
    print(table.render())
}
