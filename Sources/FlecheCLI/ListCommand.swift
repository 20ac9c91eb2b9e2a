import ArgumentParser
import Fleche
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the stored calls, oldest first.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        guard let store = cache.fileStore else {
            try printCalls(try cache.query().calls().map(ListedCall.init), cache: cache, json: options.json)
            return
        }
        // Only the members a listing shows: arguments and results are skipped, not built;
        // the keys listed once serve the short keys too.
        let keys = try store.calls.keys()
        let calls = store.calls.records(of: keys, members: ["module", "version", "metadata"]).map(ListedCall.init)
        try printCalls(calls, cache: cache, json: options.json, callKeys: keys)
    }
}

/// What `fleche ls` and `fleche query` show of a call.
struct ListedCall {
    let key: Digest
    let name: String
    let module: String?
    let version: String?
    /// When it finished (runtime metadata `timestop`), if recorded.
    let finishedAt: Double?

    init(_ call: LazyCall) {
        (key, name, module, version, finishedAt) = (call.key, call.name, call.module, call.version, call.finishedAt)
    }

    init(key: Digest, record: CallRecord) {
        (self.key, name, module, version) = (key, record.name, record.module, record.version)
        finishedAt = record.metadata["runtime"]?["timestop"]?.doubleValue
    }
}

/// When a call finished, as `fleche ls` lists it (`2026-11-27T03:14:09`, UTC).
func formatTime(_ seconds: Double?) -> String { UTCTime.iso8601(seconds) }

/// The shortest unambiguous prefix of each key among every call and object of `cache`;
/// with `callKeys` (every call of its file store, listed already), only `objects/` is listed.
private func shortestPrefixes(of keys: [Digest], cache: any BaseCache, callKeys: [Digest]?) throws -> [String] {
    guard let callKeys, let store = cache.fileStore else { return try cache.shrink(keys) }
    var shards = [[Digest]](repeating: [], count: 256)
    for key in callKeys { shards[Int(key.bytes[0])].append(key) }
    for key in try store.objects.keys() { shards[Int(key.bytes[0])].append(key) }
    return try KeyResolution.shrink(keys, algorithm: store.format.algorithm) { shard in shards[Int(UInt8(shard, radix: 16) ?? 0)] }
}

/// Prints calls as an aligned table (short key, name, module, version, finished at) or JSON;
/// `callKeys`, when given, are every call of `cache`'s file store (for the short keys).
func printCalls(_ calls: [ListedCall], cache: any BaseCache, json: Bool, callKeys: [Digest]? = nil) throws {
    // Digests compare as their hex does, without building two strings per comparison.
    let sorted = calls.map { ($0.finishedAt ?? 0, $0) }.sorted { ($0.0, $0.1.key) < ($1.0, $1.1.key) }.map(\.1)
    let shortKeys = try shortestPrefixes(of: sorted.map(\.key), cache: cache, callKeys: callKeys)
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
