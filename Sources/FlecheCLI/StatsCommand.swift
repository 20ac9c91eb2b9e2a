import Foundation
import ArgumentParser
import Fleche

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Count calls and objects and their sizes.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.openStore()
        let stats = try store.statistics()
        if options.json {
            var members = store.identityJSON.objectValue ?? []
            members += stats.json.objectValue ?? []
            printJSON(.object(members))
            return
        }
        print("""
            store              \(store.root)
            digest             \(store.format.algorithm.rawValue)
            calls              \(stats.calls)
            objects            \(stats.objects)
            bytes on disk      \(byteCount(stats.bytesOnDisk))
            object payloads    \(byteCount(stats.payloadBytes)) in \(byteCount(stats.objectFileBytes)) of files
            compression ratio  \(String(format: "%.2f", stats.compressionRatio))
            """)
    }
}

func byteCount(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
