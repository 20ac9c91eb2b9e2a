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

func formatTime(_ seconds: Double?) -> String {
    guard let seconds else { return "-" }
    return Date(timeIntervalSince1970: seconds).formatted(
        .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
}

/// Prints calls as an aligned table (short key, name, module, version, finished at) or JSON.
func printCalls(_ calls: [LazyCall], cache: any BaseCache, json: Bool) throws {
    let sorted = calls.sorted { ($0.finishedAt ?? 0, $0.key.hex) < ($1.finishedAt ?? 0, $1.key.hex) }
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
