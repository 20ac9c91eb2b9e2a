import Fleche
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// Pulls from an S3 store into a folder, pushes of a selection, and what `fleche stats` and
/// `du` read of a bucket.
@Suite("S3 pull, selective push, inventory")
struct S3ExchangeTests {
    /// A function whose results are objects with split-out children.
    func table(_ cache: any BaseCache, _ runs: Runs) -> Memoized<Int, [[Int]]> {
        memoize("table", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in
            runs.add()
            return (0..<n).map { row in (0..<40).map { row * $0 } }
        }
    }

    func squares(_ cache: any BaseCache, _ runs: Runs) -> Memoized<Int, [Int]> {
        memoize("squares", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in
            runs.add()
            return (0..<(n * 50)).map { $0 * $0 }
        }
    }

    @Test("a pull brings every call into a new folder, which hits them all and verifies clean; again brings nothing")
    func pullEverything() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let runs = Runs()
        for n in 1...8 { _ = try table(s3.cache, runs)(n) }
        for n in 1...3 { _ = try squares(s3.cache, runs)(n) }
        let root = try temporaryFolder() + "/store"
        let report = try S3Pull(into: root, from: s3).run()
        #expect(report.calls.count == 11 && report.refused.isEmpty && report.existingCalls == 0)
        #expect(report.objects == (try s3.objects.keys().count) && report.bytes > 0)
        let local = try Cache(root: root)
        for n in 1...8 { #expect(try table(local, runs)(n).count == n) }
        for n in 1...3 { #expect(try squares(local, runs)(n).count == n * 50) }
        #expect(runs.value == 11)
        let store = try #require(local.fileStore)
        #expect(store.format.algorithm == s3.format.algorithm && store.format.destructureDepth == s3.format.destructureDepth)
        #expect(try StoreVerifier(store: store).run().isClean)
        for key in try store.objects.keys() {  // files as they are in the bucket
            #expect(try s3.client.get(s3.objects.folder.key(key)) == FileManager.default.contents(atPath: store.objects.path(of: key)).map(Array.init))
        }
        let again = try S3Pull(into: root, from: s3).run()
        #expect(again.calls.isEmpty && again.objects == 0 && again.existingCalls == 11)
    }

    @Test("file and directory results pushed from a folder to S3 and pulled into another folder hit there, verify clean and write out the same bytes")
    func fileResultsThroughS3() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let folder = try temporaryFolder()
        let runs = Runs()
        func export(_ cache: any BaseCache) -> Memoized<Int, DirectoryArtifact> {
            memoize("export", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> DirectoryArtifact in
                runs.add()
                let out = folder + "/export-\(n)"
                try FileManager.default.createDirectory(atPath: out + "/parts", withIntermediateDirectories: true)
                for part in 0..<3 {
                    let bytes = (0..<(100_000 + part)).map { UInt8(truncatingIfNeeded: $0 &* (n + part + 7) >> 3) }
                    try Data(bytes).write(to: URL(fileURLWithPath: out + "/parts/\(part).bin"))
                }
                return DirectoryArtifact(out)
            }
        }
        let source = try Cache(root: folder + "/a")
        for n in 1...2 { _ = try export(source)(n) }
        let pushed = try S3Push(from: try #require(source.fileStore), to: s3).run()
        #expect(pushed.calls.count == 2 && pushed.refused.isEmpty)
        let report = try S3Pull(into: folder + "/b", from: s3, verify: true).run()
        #expect(report.calls.count == 2 && report.refused.isEmpty)
        let target = try Cache(root: folder + "/b")
        for n in 1...2 {
            try export(target)(n).write(to: folder + "/out-\(n)", mode: .copy)
            for part in 0..<3 {
                #expect(FileManager.default.contents(atPath: folder + "/out-\(n)/parts/\(part).bin")
                    == FileManager.default.contents(atPath: folder + "/export-\(n)/parts/\(part).bin"))
            }
        }
        #expect(runs.value == 2)
        #expect(try StoreVerifier(store: #require(target.fileStore)).run().isClean)
    }

    @Test("a large Data result stored in chunks in a folder, pushed to S3: a cache on the bucket hits it, a pull with verify brings it whole")
    func chunkedValuesThroughS3() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let folder = try temporaryFolder()
        let runs = Runs()
        let content = Data((0..<(9 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) })
        func step(_ cache: any BaseCache) -> Memoized<Int, Data> {
            memoize("step", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> Data in
                runs.add()
                return content
            }
        }
        let source = try Cache(root: folder + "/a")
        _ = try step(source)(1)
        let store = try #require(source.fileStore)
        let key = try #require(try store.objects.keys().first { try store.objects.childDigests(of: $0).count > 2 })
        #expect(try S3Push(from: store, to: s3).run().calls.count == 1)
        // Read straight from the bucket: the chunk list and its chunks, joined.
        #expect(try step(s3.cache)(1) == content)
        #expect(try s3.objects.load(key) == .bytes(content))
        let report = try S3Pull(into: folder + "/b", from: s3, verify: true).run()
        #expect(report.calls.count == 1 && report.refused.isEmpty)
        #expect(try step(try Cache(root: folder + "/b"))(1) == content)
        #expect(runs.value == 1)
    }

    @Test("a pull refuses a call whose value the bucket lost and a damaged manifest, and moves in the rest")
    func pullRefusesDamage() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let runs = Runs()
        for n in 1...6 { _ = try table(s3.cache, runs)(n) }
        let lostCall = try table(s3.cache, runs).digest(6)
        let lostObject = try #require(try s3.calls.load(lostCall).result?.digest)
        try s3.client.delete(s3.objects.folder.key(lostObject))
        let damagedCall = try table(s3.cache, runs).digest(5)
        try s3.client.put(s3.calls.folder.key(damagedCall), Array("{\"not\": \"a manifest".utf8))
        let root = try temporaryFolder() + "/store"
        let report = try S3Pull(into: root, from: s3).run()
        #expect(Set(report.calls) == Set(try (1...4).map { try table(s3.cache, runs).digest($0) }))
        #expect(Set(report.refused.map(\.key)) == [lostCall, damagedCall], "\(report.refused)")
        #expect(report.refused.first { $0.key == lostCall }?.kind == .missingObject)
        #expect(report.refused.first { $0.key == damagedCall }?.kind == .corruptManifest)
        let store = try FileStore(root: root, create: false)
        #expect(try !store.calls.contains(lostCall) && !store.calls.contains(damagedCall))
        #expect(try StoreVerifier(store: store).run().isClean)
        // Nothing of the pull is left in tmp/.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
    }

    @Test("a pull with --verify refuses an object whose bytes are another object's; without it the header check passes it")
    func pullVerifies() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let runs = Runs()
        _ = try squares(s3.cache, runs)(1)
        _ = try squares(s3.cache, runs)(2)
        let first = try #require(try s3.calls.load(squares(s3.cache, runs).digest(1)).result?.digest)
        let second = try #require(try s3.calls.load(squares(s3.cache, runs).digest(2)).result?.digest)
        try s3.client.put(s3.objects.folder.key(second), try #require(try s3.client.get(s3.objects.folder.key(first))))
        let checked = try S3Pull(into: try temporaryFolder(), from: s3, verify: true).run()
        #expect(checked.calls == [try squares(s3.cache, runs).digest(1)])
        #expect(checked.refused.map(\.key).contains(second), "\(checked.refused)")
        let unchecked = try S3Pull(into: try temporaryFolder(), from: s3).run()
        #expect(unchecked.calls.count == 2)
    }

    @Test("a pull of one function brings its calls and what they reach only; a dry run changes nothing")
    func pullSelection() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let runs = Runs()
        for n in 1...5 { _ = try table(s3.cache, runs)(n) }
        for n in 1...4 { _ = try squares(s3.cache, runs)(n) }
        let root = try temporaryFolder() + "/store"
        let dry = try S3Pull(into: root, from: s3, template: CallTemplate(name: "squares"), dryRun: true).run()
        #expect(dry.calls.count == 4 && dry.objects == 4 && dry.dryRun)
        #expect(!FileManager.default.fileExists(atPath: root))
        let report = try S3Pull(into: root, from: s3, template: CallTemplate(name: "squares")).run()
        #expect(report.calls.count == 4 && report.objects == 4)
        let store = try FileStore(root: root, create: false)
        #expect(try store.calls.keys().count == 4 && store.objects.keys().count == 4)
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("a push of one function sends its calls and their objects only; a dry run sends nothing")
    func pushSelection() throws {
        let server = try SeaweedServer.shared()
        let local = try Cache(root: try temporaryFolder() + "/store")
        let runs = Runs()
        for n in 1...5 { _ = try table(local, runs)(n) }
        for n in 1...4 { _ = try squares(local, runs)(n) }
        let store = try #require(local.fileStore)
        let s3 = try server.freshStore()
        let dry = try S3Push(from: store, to: s3, template: CallTemplate(name: "table"), dryRun: true).run()
        #expect(dry.calls.count == 5 && dry.objects >= 5 && dry.bytes > 0)
        #expect(try s3.calls.keys().isEmpty && s3.objects.keys().isEmpty)
        let report = try S3Push(from: store, to: s3, template: CallTemplate(name: "table")).run()
        #expect(report.calls.count == 5 && report.objects == dry.objects && report.bytes == dry.bytes)
        #expect(try s3.calls.keys().count == 5 && s3.objects.keys().count == dry.objects)
        for n in 1...5 { #expect(try table(s3.cache, runs)(n).count == n) }
        #expect(try s3.objects.verify(calls: s3.calls, repair: false).isClean)
        let again = try S3Push(from: store, to: s3, template: CallTemplate(name: "table")).run()
        #expect(again.calls.isEmpty && again.existingCalls == 5)
    }

    @Test("the inventory of a bucket counts what a folder of the same calls counts")
    func inventory() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let runs = Runs()
        for n in 1...6 { _ = try table(s3.cache, runs)(n) }
        for n in 1...3 { _ = try squares(s3.cache, runs)(n) }
        let inventory = try S3Inventory(objects: s3.objects, calls: s3.calls)
        let root = try temporaryFolder() + "/store"
        _ = try S3Pull(into: root, from: s3).run()
        let store = try FileStore(root: root, create: false)
        let stats = try store.statistics()
        #expect(inventory.statistics.calls == 9 && inventory.statistics.objects == stats.objects)
        #expect(inventory.statistics.payloadBytes == stats.payloadBytes && inventory.statistics.objectFileBytes == stats.objectFileBytes)
        #expect(inventory.statistics.manifestBytes == stats.manifestBytes)
        #expect(inventory.diskUsage.functions == (try DiskUsage(store: store).functions))
        #expect(inventory.diskUsage.functions.map(\.name).sorted() == ["squares", "table"])
    }
}
