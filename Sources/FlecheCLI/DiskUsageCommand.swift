import ArgumentParser
import Fleche
import Foundation
#if canImport(FlecheS3)
import FlecheS3
#endif

struct DiskUsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "du",
        abstract: "Show the bytes of the store by function (what functions share counted once).")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let usage = try measure()
        if options.json {
            printJSON(usage.json)
            return
        }
        let width = max(8, usage.functions.map(\.qualifiedName.count).max() ?? 0)
        func column(_ text: String, _ size: Int) -> String { String(repeating: " ", count: max(0, size - text.count)) + text }
        print("function".padding(toLength: width, withPad: " ", startingAt: 0)
              + column("calls", 9) + column("manifests", 12) + column("own", 12) + column("shared", 12) + column("total", 12))
        for function in usage.functions {
            print(function.qualifiedName.padding(toLength: width, withPad: " ", startingAt: 0)
                  + column("\(function.calls)", 9) + column(byteCount(function.manifestBytes), 12)
                  + column(byteCount(function.ownBytes), 12) + column(byteCount(function.sharedBytes), 12)
                  + column(byteCount(function.totalBytes), 12))
        }
        print("""
            shared between functions, counted once: \(byteCount(usage.sharedBytes))
            reached by no call (gc removes them): \(byteCount(usage.unreachedBytes))
            total: \(byteCount(usage.totalBytes)) in \(usage.files) files
            """)
    }

    /// The store's usage: of its folder, or of its bucket (an S3 cache).
    private func measure() throws -> DiskUsage {
        #if canImport(FlecheS3)
        if let (objects, calls) = try options.s3Storages() { return try S3Inventory(objects: objects, calls: calls).diskUsage }
        #endif
        return try DiskUsage(store: try options.openStore())
    }
}
