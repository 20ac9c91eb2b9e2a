import Foundation
import ArgumentParser
import Fleche
#if canImport(FlecheS3)
import FlecheS3
#endif

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show hits, misses and stores, the store's size and the largest functions.",
        discussion: """
            Every process that uses the store counts its calls in a file of its own under \
            stats/; this merges them. --zero sets the counters to zero.
            """)

    @OptionGroup var options: StoreOptions

    @Flag(name: .customLong("zero"), help: "Set the hit, miss and store counters to zero.")
    var zero = false

    /// How many functions the table of the largest lists.
    static let largestFunctions = 10

    func run() throws {
        #if canImport(FlecheS3)
        if let (objects, calls) = try options.s3Storages() {
            guard !zero else { throw CLIError("--zero works on a store directory: S3 stores keep no counters (each machine's local store counts its own hits and misses)") }
            let inventory = try S3Inventory(objects: objects, calls: calls)
            show(inventory.statistics, largest: inventory.diskUsage, location: objects.client.location.description, algorithm: objects.algorithm)
            return
        }
        #endif
        let store = try options.openStore()
        if zero {
            try store.zeroUsageStatistics()
            if options.json {
                printJSON(.object([("zeroed", .bool(true))]))
            } else {
                print("statistics of \(store.root) set to zero")
            }
            return
        }
        let survey = try StoreSurvey(store: store)
        let stats = survey.statistics
        let usage = try store.usageStatistics()
        let largest = Array(survey.diskUsage.functions.prefix(Self.largestFunctions))
        if options.json {
            var members = store.identityJSON.objectValue ?? []
            members += stats.json.objectValue ?? []
            members.append(("usage", usage.json))
            members.append(("budget", .object([
                ("max_size", store.budget?.maxSize.map { .int(Int64($0)) } ?? .null),
                ("max_age", store.budget?.maxAge.map(JSON.double) ?? .null),
            ])))
            members.append(("largest_functions", .array(largest.map { function in
                .object([
                    ("function", .string(function.qualifiedName)), ("calls", .int(Int64(function.calls))),
                    ("bytes", .int(Int64(function.totalBytes))),
                    ("counts", (usage.byFunction[function.qualifiedName] ?? CallCounts()).json),
                ])
            })))
            printJSON(.object(members))
            return
        }
        let total = usage.total
        print("""
            store              \(store.root)
            digest             \(store.format.algorithm.rawValue)
            calls              \(stats.calls)
            objects            \(stats.objects)
            bytes on disk      \(byteCount(stats.bytesOnDisk))\(Self.againstBudget(stats.bytesOnDisk, store.budget))
            object payloads    \(byteCount(stats.payloadBytes)) in \(byteCount(stats.objectFileBytes)) of files
            compression ratio  \(String(format: "%.2f", stats.compressionRatio))
            hits               \(total.hits)\(total.hitRate.map { String(format: " (%.1f%%)", $0 * 100) } ?? "")
            misses             \(total.misses)
            stores             \(total.stores)
            errors             \(total.errors)
            bytes written      \(byteCount(total.bytesWritten))
            counted since      \(usage.zeroedAt.map { "zeroed \(Self.timestamp($0))" } ?? "the store was created")
            """)
        guard !largest.isEmpty else { return }
        print("\nlargest functions")
        var table = TextTable(header: ["FUNCTION", "CALLS", "BYTES", "HITS", "MISSES", "HIT RATE"])
        table.rows = largest.map { function -> [String] in
            let counts = usage.byFunction[function.qualifiedName] ?? CallCounts()
            return [
                function.qualifiedName, "\(function.calls)", byteCount(function.totalBytes), "\(counts.hits)", "\(counts.misses)",
                counts.hitRate.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
            ]
        }
        print(table.render())
    }

    /// The statistics of a store without counters of its own (an S3 store): its contents
    /// and its largest functions.
    private func show(_ stats: StoreStatistics, largest usage: DiskUsage, location: String, algorithm: DigestAlgorithm) {
        let largest = usage.functions.prefix(Self.largestFunctions)
        if options.json {
            var members: [(String, JSON)] = [("store", .string(location)), ("digest", .string(algorithm.rawValue))]
            members += stats.json.objectValue ?? []
            members.append(("largest_functions", .array(largest.map { function in
                .object([
                    ("function", .string(function.qualifiedName)), ("calls", .int(Int64(function.calls))),
                    ("bytes", .int(Int64(function.totalBytes))),
                ])
            })))
            printJSON(.object(members))
            return
        }
        print("""
            store              \(location)
            digest             \(algorithm.rawValue)
            calls              \(stats.calls)
            objects            \(stats.objects)
            bytes stored       \(byteCount(stats.bytesOnDisk))
            object payloads    \(byteCount(stats.payloadBytes)) in \(byteCount(stats.objectFileBytes)) of objects
            compression ratio  \(String(format: "%.2f", stats.compressionRatio))
            hits and misses    counted by each machine's own store (fleche stats there)
            """)
        guard !largest.isEmpty else { return }
        print("\nlargest functions")
        var table = TextTable(header: ["FUNCTION", "CALLS", "BYTES"])
        table.rows = largest.map { [$0.qualifiedName, "\($0.calls)", byteCount($0.totalBytes)] }
        print(table.render())
    }

    /// " of 50.0 GiB (12%), max age 30d" for a store with a budget; "" without.
    private static func againstBudget(_ size: Int, _ budget: StoreBudget?) -> String {
        var text = ""
        if let maxSize = budget?.maxSize, maxSize > 0 {
            text += " of \(byteCount(maxSize)) (\(size * 100 / maxSize)%)"
        }
        if let maxAge = budget?.maxAge {
            // In the largest unit that divides it: 30d, 12h, 90s.
            let age = Int(maxAge)
            let unit = [(86_400, "d"), (3_600, "h"), (60, "m")].first { age >= $0.0 && age % $0.0 == 0 } ?? (1, "s")
            text += ", max age \(age / unit.0)\(unit.1)"
        }
        return text
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
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
