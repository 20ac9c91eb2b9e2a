import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore

@Suite("Disk usage by function (fleche du)")
struct DiskUsageTests {
    /// Sizes of the files at `paths` (relative to the store).
    func size(_ store: FileStore, _ paths: some Sequence<String>) -> Int {
        paths.reduce(0) { $0 + (store.fileSize(relativePath: $1) ?? 0) }
    }

    func objectPaths(_ digests: some Sequence<Digest>) -> [String] {
        digests.map { "objects/\($0.hex.prefix(2))/\($0.hex.dropFirst(2))" }
    }

    @Test("own, shared and unreached bytes add up to the store, each object counted once")
    func ownSharedUnreached() throws {
        let directory = try TemporaryDirectory()
        let fixture = try SharedStoreFixture(root: directory.sub("a"))
        let store = fixture.store
        try fixture.fill(0..<3)  // tables(0..<3) and squares(0..<3): no value in common
        // `copies` returns what `tables` does: equal results are the same objects.
        let copies = memoize("copies", arguments: ["i"], metadata: [], cache: fixture.cache) { (i: Int) in SharedStoreFixture.table(i) }
        for i in 0..<2 { _ = try copies(i) }
        // An object no call reaches.
        let stray = try ValueEncoder().encode(Array(0..<300))
        try store.objects.save(stray, key: stray.digest(using: store.format.algorithm))

        let usage = try DiskUsage(store: store)
        let byName = Dictionary(uniqueKeysWithValues: usage.functions.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["tables", "squares", "copies"])
        #expect(byName["tables"]?.calls == 3 && byName["copies"]?.calls == 2 && byName["squares"]?.calls == 3)

        // The reference: each function's reach from its calls, by headers.
        let records = try store.calls.records()
        func reach(_ name: String) throws -> Set<Digest> {
            try store.objects.reach(from: records.filter { $0.record.name == name }.flatMap { $0.record.objectDigests }).reached
        }
        let tables = try reach("tables"), copies2 = try reach("copies"), squares = try reach("squares")
        let sharedObjects = tables.intersection(copies2)
        #expect(!sharedObjects.isEmpty && squares.isDisjoint(with: tables))
        #expect(byName["tables"]?.sharedBytes == size(store, objectPaths(sharedObjects)))
        #expect(byName["copies"]?.ownBytes == 0, "copies(0), copies(1) are tables(0), tables(1)")
        #expect(byName["tables"]?.ownBytes == size(store, objectPaths(tables.subtracting(sharedObjects))))
        #expect(byName["squares"]?.ownBytes == size(store, objectPaths(squares)))
        #expect(usage.sharedBytes == size(store, objectPaths(sharedObjects)))
        #expect(usage.unreachedBytes == size(store, objectPaths([stray.digest(using: store.format.algorithm)])))
        let manifests = records.map { "calls/\($0.key.hex.prefix(2))/\($0.key.hex.dropFirst(2))" }
        #expect(byName["tables"]?.manifestBytes == size(store, manifests.enumerated().filter { records[$0.offset].record.name == "tables" }.map(\.element)))

        // Everything once: the sum of the parts is the store's files.
        let allFiles = manifests + objectPaths(try store.objects.keys())
        #expect(usage.totalBytes == size(store, allFiles) && usage.files == allFiles.count)
        #expect(usage.totalBytes == usage.functions.reduce(0) { $0 + $1.manifestBytes + $1.ownBytes } + usage.sharedBytes + usage.unreachedBytes)
        #expect(usage.functions.map(\.totalBytes) == usage.functions.map(\.totalBytes).sorted(by: >))
    }

    @Test("a survey reads the store once and finds what statistics and du find apart, a damaged manifest included")
    func survey() throws {
        let directory = try TemporaryDirectory()
        let fixture = try SharedStoreFixture(root: directory.sub("a"))
        let store = fixture.store
        try fixture.fill(0..<300)  // over 256 manifests: read on every core
        let stray = try ValueEncoder().encode(Array(0..<300))
        try store.objects.save(stray, key: stray.digest(using: store.format.algorithm))
        // A manifest that does not parse still takes its bytes.
        let damaged = try #require(try store.calls.keys().first)
        try Data("{\"fleche_call\": 1, \"name\": ".utf8).write(to: URL(fileURLWithPath: store.calls.path(of: damaged)))

        let survey = try StoreSurvey(store: store)
        let statistics = try store.statistics()
        #expect(survey.statistics == statistics)
        #expect(statistics.calls == 600 && statistics.objects > 0 && statistics.bytesOnDisk > 0)
        let usage = try DiskUsage(store: store)
        #expect(survey.diskUsage.functions == usage.functions)
        #expect(survey.diskUsage.totalBytes == usage.totalBytes && survey.diskUsage.files == usage.files)
        #expect(survey.diskUsage.sharedBytes == usage.sharedBytes && survey.diskUsage.unreachedBytes == usage.unreachedBytes)
        #expect(survey.diskUsage.functions.reduce(0) { $0 + $1.calls } == 599)

        // `fleche stats` prints the survey.
        let json = try run(try builtProduct("fleche"), ["stats", "--json", "--store", fixture.root])
        #expect(json.status == 0, "\(json.stderr)")
        let members = try JSON.parse(json.stdout)
        #expect(members["calls"]?.int64Value == 600)
        #expect(members["bytes_on_disk"]?.int64Value == Int64(statistics.bytesOnDisk))
    }

    @Test("fleche du prints a row per function and the totals; --json the same numbers")
    func command() throws {
        let directory = try TemporaryDirectory()
        let fixture = try SharedStoreFixture(root: directory.sub("a"))
        try fixture.fill(0..<2)
        let text = try run(try builtProduct("fleche"), ["du", "--store", fixture.root])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("function") == true)
        #expect(lines.contains { $0.contains("tables") && $0.contains(" 2 ") })
        #expect(text.stdout.contains("total: "))
        let json = try run(try builtProduct("fleche"), ["du", "--json", "--store", fixture.root])
        let usage = try DiskUsage(store: fixture.store)
        #expect(try JSON.parse(json.stdout) == usage.json)
        let missing = try run(try builtProduct("fleche"), ["du", "--store", directory.sub("none")])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("fleche: ") && missing.stderr.split(separator: "\n").count == 1)
    }
}
