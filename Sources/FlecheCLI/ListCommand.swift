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

/// When a call finished, as `fleche ls` lists it (`2026-11-27T03:14:09`, UTC).
func formatTime(_ seconds: Double?) -> String { UTCTime.iso8601(seconds) }

/// Prints calls as an aligned table (short key, name, module, version, finished at) or JSON.
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
