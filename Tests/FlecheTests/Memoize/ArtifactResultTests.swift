import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
import FlecheSharing
import FlecheSystem

/// Files and directories as results: their bytes stored once per content as file bodies,
/// written out byte for byte on a hit, whole or not at all.
@Suite("File and directory results")
struct ArtifactResultTests {
    /// `count` bytes that do not compress, from a generator seeded with `seed`.
    static func noise(_ count: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    static func write(_ data: Data, to path: String, executable: Bool = false) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
    }

    static func isExecutable(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0) & 0o100 != 0
    }

    /// Every regular file under `root` by relative path, with its bytes.
    static func tree(_ root: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = FileManager.default.contents(atPath: root + "/" + relative)
            }
        }
        return files
    }

    @Test("a file result: stored as a file body the result object lists, written out byte for byte in each mode by a later process, kept by gc, verified clean")
    func fileResult() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        let output = directory.sub("work/out.bin")
        let content = Self.noise(3 * 1_048_576 + 17, seed: 1)
        let runs = Counter()
        func render(_ cache: Cache) -> Memoized<Int, FileArtifact> {
            memoize("render", arguments: ["seed"], metadata: [], cache: cache) { (seed: Int) -> FileArtifact in
                runs.increment()
                try Self.write(content, to: output, executable: true)
                return FileArtifact(output)
            }
        }
        let first = try render(try Cache(root: root))(1)
        #expect(first.path == output)
        #expect(runs.value == 1)
        try FileManager.default.removeItem(atPath: output)

        // A later process: a new cache over the same folder.
        let cache = try Cache(root: root)
        let stored = try render(cache)(1)
        #expect(runs.value == 1)
        #expect(stored.path == nil)
        #expect(stored.size == Int64(content.count))
        for mode in [Materialization.copy, .cloneOrCopy] {
            let destination = directory.sub("restored-\(mode)/deeper/out.bin")
            try stored.write(to: destination, mode: mode)
            #expect(FileManager.default.contents(atPath: destination) == content)
            #expect(Self.isExecutable(destination))
            // Written again over itself: replaced whole.
            try stored.write(to: destination, mode: mode)
            #expect(FileManager.default.contents(atPath: destination) == content)
            #expect(try FileManager.default.contentsOfDirectory(atPath: (destination as NSString).deletingLastPathComponent) == ["out.bin"])
        }

        // The body is the file's bytes from offset 4096, under the digest of `Data(content)`.
        let store = try #require(cache.fileStore)
        let body = try #require(stored.content)
        #expect(body == Value.bytes(content).digest(using: .sha256))
        let objectFile = try #require(FileManager.default.contents(atPath: store.objects.path(of: body)))
        #expect(objectFile.count == 4_096 + content.count)
        #expect(objectFile[4_096...] == content)
        // Byte for byte what the format's codec writes (pinned by Fixtures/objects/file-body).
        #expect(objectFile == Data(ObjectFormat.encodeFileBody(Array(content), algorithm: .sha256).bytes))
        #expect(try store.objects.load(body) == .bytes(content))
        let call = try cache.load(try #require(try cache.callKeys().first))
        let resultKey = try #require(call.record.result?.digest)
        #expect(try store.objects.childDigests(of: resultKey) == [body])

        #expect(try cache.gc(gracePeriod: 0).removed.isEmpty)
        #expect(FileManager.default.fileExists(atPath: store.objects.path(of: body)))
        let report = try StoreVerifier(store: store).run()
        #expect(report.isClean, "\(report.problems)")
        // With the call evicted, gc sweeps the body too.
        try cache.evict(call.key)
        _ = try cache.gc(gracePeriod: 0)
        #expect(!FileManager.default.fileExists(atPath: store.objects.path(of: body)))
    }

    @Test("a directory result: files shared within and between results stored once, the tree rebuilt whole over an old one, executables and empty folders kept")
    func directoryResult() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let shared = Self.noise(70_000, seed: 7)
        let runs = Counter()
        let build = memoize("build", arguments: ["variant"], metadata: [], cache: cache) { (variant: Int) -> DirectoryArtifact in
            runs.increment()
            let out = directory.sub("build-\(variant)")
            try Self.write(shared, to: out + "/lib/shared.bin")
            try Self.write(shared, to: out + "/copy-of-shared.bin")
            try Self.write(Data("variant \(variant)\n".utf8), to: out + "/bin/run", executable: true)
            try FileManager.default.createDirectory(atPath: out + "/logs/empty", withIntermediateDirectories: true)
            return DirectoryArtifact(out)
        }
        _ = try build(1)
        _ = try build(2)
        #expect(runs.value == 2)
        let store = try #require(cache.fileStore)
        let bodies = try store.objects.keys().filter { store.objects.isFileBody($0) }
        // `shared.bin` (four copies over two results) once, and one `run` per variant.
        #expect(bodies.count == 3)

        let destination = directory.sub("deploy/current")
        try Self.write(Data("stale".utf8), to: destination + "/old-file")
        let restored = try build(1)
        #expect(runs.value == 2)
        #expect(restored.path == nil)
        try restored.write(to: destination)
        #expect(Self.tree(destination) == Self.tree(directory.sub("build-1")))
        #expect(Self.isExecutable(destination + "/bin/run"))
        #expect(!Self.isExecutable(destination + "/lib/shared.bin"))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: destination + "/logs/empty", isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("deploy")) == ["current"])
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("a result whose body is gone is a miss that stores it again; a damaged body is set aside when copied out")
    func missingAndDamagedBodies() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let content = Self.noise(200_000, seed: 3)
        let runs = Counter()
        let make = memoize("make", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> FileArtifact in
            runs.increment()
            let path = directory.sub("made-\(runs.value)")
            try Self.write(content, to: path)
            return FileArtifact(path)
        }
        let body = try #require(try make(1).described().content)
        try FileManager.default.removeItem(atPath: store.objects.path(of: body))
        _ = try make(1)
        #expect(runs.value == 2)
        #expect(store.objects.isFileBody(body))

        // One flipped byte in the body: the copy notices, sets it aside, and reports it.
        let path = store.objects.path(of: body)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[4_096 + 1_000] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let stored = try make(1)
        #expect(runs.value == 2)
        let destination = directory.sub("out.bin")
        #expect(throws: FlecheError.self) { try stored.write(to: destination, mode: .copy) }
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(!FileManager.default.fileExists(atPath: path))
        // The next call recomputes and stores the body again.
        try make(1).write(to: destination, mode: .copy)
        #expect(runs.value == 3)
        #expect(FileManager.default.contents(atPath: destination) == content)
    }

    @Test("kill -9 while a result is written out leaves nothing at the destination but the whole file or nothing")
    func killedWhileMaterializing() throws {
        let directory = try TemporaryDirectory()
        let worker = try builtProduct("FlecheTestWorker")
        for (round, pause) in [5_000, 40_000, 120_000].enumerated() {
            let folder = directory.sub("round-\(round)")
            try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
            let destination = folder + "/out/result.bin"
            let mark = folder + "/writing"
            let running = try launch(worker, [folder + "/store", "0", "32", "materialize"], environment: [
                "FLECHE_WORKER_DESTINATION": destination, "FLECHE_WORKER_MARK": mark,
            ])
            #expect(waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: mark) })
            usleep(UInt32(pause))
            kill(running.process.processIdentifier, SIGKILL)
            _ = running.wait()
            let whole = try #require(FileManager.default.contents(atPath: folder + "/store.made-0"))
            #expect(whole.count == (32 << 20) / 3_000 * 3_000)
            let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/out")
            #expect(left.isEmpty || left == ["result.bin"], "round \(round): \(left)")
            if left == ["result.bin"] { #expect(FileManager.default.contents(atPath: destination) == whole) }
        }
    }

    @Test("results with files pushed to another store and pulled, verified, into a third hit there and write out the same tree", needsRsync)
    func sharedResults() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        func build(_ cache: Cache) -> Memoized<Int, DirectoryArtifact> {
            memoize("build", arguments: ["variant"], metadata: [], cache: cache) { (variant: Int) -> DirectoryArtifact in
                runs.increment()
                let out = directory.sub("build-\(variant)")
                try Self.write(Self.noise(300_000, seed: UInt64(variant)), to: out + "/data/part-0.bin")
                try Self.write(Data("#!/bin/sh\necho \(variant)\n".utf8), to: out + "/run.sh", executable: true)
                return DirectoryArtifact(out)
            }
        }
        let source = try Cache(root: directory.sub("a"))
        _ = try build(source)(1)
        _ = try build(source)(2)
        let pushed = try source.push(to: .local(directory.sub("b")))
        #expect(pushed.calls.count == 2)

        let target = try Cache(root: directory.sub("b"))
        try build(target)(2).write(to: directory.sub("from-b"))
        #expect(runs.value == 2)
        #expect(Self.tree(directory.sub("from-b")) == Self.tree(directory.sub("build-2")))
        #expect(Self.isExecutable(directory.sub("from-b/run.sh")))

        let third = try Cache(root: directory.sub("c"))
        let pulled = try third.pull(from: .local(directory.sub("b")), verify: true)
        #expect(pulled.calls.count == 2 && pulled.refused.isEmpty)
        try build(third)(1).write(to: directory.sub("from-c"), mode: .copy)
        #expect(runs.value == 2)
        #expect(Self.tree(directory.sub("from-c")) == Self.tree(directory.sub("build-1")))
        #expect(try StoreVerifier(store: #require(third.fileStore)).run().isClean)
    }

    @Test("the README's results example runs as written (its relative paths made absolute)")
    func readmeExample() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        try Self.write(Data("region,units,total\nnorth,2,7\nsouth,1,2\n".utf8), to: directory.sub("data/sales/2025.csv"))
        try Self.write(Data("region,units,total\nnorth,4,4\n".utf8), to: directory.sub("data/sales/2026.csv"))
        let runs = Counter()
        try withCache(cache) { () throws in
            let columns = memoize("to-columns", arguments: ["folder"]) { (folder: DirectoryArtifact) -> DirectoryArtifact in
                runs.increment()
                let out = directory.sub("build/columns")
                try? FileManager.default.removeItem(atPath: out)
                for name in try FileManager.default.contentsOfDirectory(atPath: folder.path!) where name.hasSuffix(".csv") {
                    let rows = try String(contentsOfFile: folder.path! + "/" + name, encoding: .utf8).split(separator: "\n")
                    let table = out + "/" + name.dropLast(".csv".count)
                    try FileManager.default.createDirectory(atPath: table, withIntermediateDirectories: true)
                    for (index, column) in rows[0].split(separator: ",").enumerated() {
                        let values = rows.dropFirst().map { Double($0.split(separator: ",")[index]) ?? .nan }
                        let bytes = values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
                        try Data(bytes).write(to: URL(fileURLWithPath: "\(table)/\(column).f64"))
                    }
                }
                return DirectoryArtifact(out)
            }
            try columns(DirectoryArtifact(directory.sub("data/sales"))).write(to: directory.sub("warehouse/sales"))
            try FileManager.default.removeItem(atPath: directory.sub("build"))
            try columns(DirectoryArtifact(directory.sub("data/sales"))).write(to: directory.sub("warehouse/sales"))
        }
        #expect(runs.value == 1)
        let written = Self.tree(directory.sub("warehouse/sales"))
        #expect(Set(written.keys) == ["2025/region.f64", "2025/units.f64", "2025/total.f64", "2026/region.f64", "2026/units.f64", "2026/total.f64"])
        let totals = try #require(written["2025/total.f64"]).withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        #expect(totals == [7, 2])
    }

    @Test("a file result in a cache without a file store runs and returns, unstored")
    func memoryCacheDoesNotStoreFiles() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let make = memoize("make", arguments: ["i"], metadata: [], cache: Cache.memory()) { (i: Int) -> FileArtifact in
            runs.increment()
            try Self.write(Data("x".utf8), to: directory.sub("x"))
            return FileArtifact(directory.sub("x"))
        }
        #expect(try make(1).path == directory.sub("x"))
        #expect(try make(1).path == directory.sub("x"))
        #expect(runs.value == 2)
    }
}
