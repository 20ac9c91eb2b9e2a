import Foundation
import FlecheSystem
import Synchronization
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheSystem
@testable import FlecheValue

@Suite("gc and verify")
struct MaintenanceTests {
    /// The reference's `mk(i) -> {"i": i, "data": [i, i+1], "tag": "t"}`.
    func mk(_ cache: Cache) -> Memoized<Int, Value> {
        memoize("mk", arguments: ["i"], cache: cache) { (i: Int) -> Value in
            .dictionary([
                .init(key: .string("i"), value: .int(Int128(i))),
                .init(key: .string("data"), value: .array([.int(Int128(i)), .int(Int128(i + 1))])),
                .init(key: .string("tag"), value: .string("t")),
            ])
        }
    }

    func store(inlineLimit: Int = 0) throws -> (TemporaryDirectory, FileStore, Cache) {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.path, inlineLimit: inlineLimit)
        return (directory, store, Cache(store: store))
    }

    @Test("reference scenario 32: evicting 3 of 6 calls lets gc remove exactly their 9 values")
    func scenario32() throws {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let f = mk(cache)
        for i in 0..<6 { _ = try f(i) }
        #expect(try store.objects.keys().count == 18)
        for i in [0, 2, 4] { try cache.evict(f.digest(i)) }
        let report = try cache.gc(gracePeriod: 0)
        #expect(report.removed.count == 9)
        #expect(report.reachableObjects == 9)
        for i in [1, 3, 5] { #expect(try f.load(i) == f.uncached(i)) }
        #expect(try cache.gc(gracePeriod: 0).removed.isEmpty)
    }

    @Test("reference scenario 33: a value saved with no call referring to it is garbage; memory caches too")
    func scenario33() throws {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let value = Value.array([.int(1), .int(2)])
        try store.objects.save(value, key: value.digest(using: .sha256))
        #expect(try cache.gc(gracePeriod: 0).removed == [value.digest(using: .sha256)])
        let memory = Cache.memory()
        try memory.values.save(value, key: value.digest(using: .sha256))
        _ = try mk(memory)(1)
        let report = try memory.gc()
        #expect(report.removed == [value.digest(using: .sha256)])
    }

    @Test("a dry run removes nothing and reports what would go")
    func dryRun() throws {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let f = mk(cache)
        for i in 0..<4 { _ = try f(i) }
        try cache.evict(f.digest(0))
        let before = try store.objects.keys().count
        let report = try cache.gc(gracePeriod: 0, dryRun: true)
        #expect(report.removed.count == 3)
        #expect(report.freedBytes > 0)
        #expect(try store.objects.keys().count == before)
    }

    @Test("unreachable objects younger than the grace period survive; older ones go")
    func gracePeriod() throws {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let f = mk(cache)
        _ = try f(1)
        try cache.evict(f.digest(1))
        #expect(try cache.gc().removed.isEmpty)  // default grace: 1 hour
        #expect(try store.objects.keys().count == 3)
        let later = try GarbageCollector(store: store).run(now: Date().addingTimeInterval(7200))
        #expect(later.removed.count == 3)
    }

    @Test("an object copied in by rsync -a with an old mtime survives a default gc (ctime counts)", needsRsync)
    func rsyncOldMtime() throws {
        let (source, sourceStore, sourceCache) = try store()
        let f = mk(sourceCache)
        _ = try f(7)
        for key in try sourceStore.objects.keys() {
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, sourceStore.objects.path(of: key), &times, 0) == 0)
        }
        let target = try TemporaryDirectory()
        _ = try FileStore(root: target.path, inlineLimit: 0)
        // Only the objects: on the target no call refers to them (yet).
        let rsync = try run(rsyncPath!, ["-a", source.sub("objects") + "/", target.sub("objects") + "/"])
        #expect(rsync.status == 0, "\(rsync.stderr)")
        let targetStore = try FileStore(root: target.path)
        let copied = try targetStore.objects.keys()
        #expect(copied.count == 3)
        #expect(FileSystem.status(targetStore.objects.path(of: copied[0]))!.modified < 1_000_000_001)
        #expect(try GarbageCollector(store: targetStore).run().removed.isEmpty)
        #expect(try GarbageCollector(store: targetStore).run(now: Date().addingTimeInterval(7200)).removed.count == 3)
    }

    @Test("stale temp files are removed, fresh temp files and empty shard folders kept")
    func temporaryFiles() throws {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        FileManager.default.createFile(atPath: directory.sub("tmp/123-crashed-1"), contents: Data("partial".utf8))
        _ = try mk(cache)(1)
        try FileManager.default.createDirectory(atPath: directory.sub("objects/00"), withIntermediateDirectories: true)
        let now = try GarbageCollector(store: store).run()
        #expect(now.removedTemporaryFiles == 0)
        let later = try GarbageCollector(store: store).run(now: Date().addingTimeInterval(7200))
        #expect(later.removedTemporaryFiles == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.sub("tmp/123-crashed-1")))
        // With no grace period, a temp file written a minute ago stays: rsync writes its temp
        // files into tmp/ without the lock.
        FileManager.default.createFile(atPath: directory.sub("tmp/.abcdef.Xy12Ab"), contents: Data("arriving".utf8))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: directory.sub("tmp/.abcdef.Xy12Ab"))
        #expect(try GarbageCollector(store: store, gracePeriod: 0).run().removedTemporaryFiles == 0)
        #expect(FileManager.default.fileExists(atPath: directory.sub("tmp/.abcdef.Xy12Ab")))
        // rsync and push create a shard folder and rename into it without gc's lock.
        #expect(FileManager.default.fileExists(atPath: directory.sub("objects/00")))
    }

    @Test("gc keeps everything reachable through nested children, at any depth")
    func nestedChildren() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.path, inlineLimit: 0, destructureDepth: 0)
        let cache = Cache(store: store)
        let f = memoize("deep", cache: cache) { (n: Int) -> [[[Int?]]] in [[[n, nil], [n + 1]], [[n + 2]]] }
        for n in 0..<5 { _ = try f(n) }
        try cache.evict(f.digest(0))
        _ = try cache.gc(gracePeriod: 0)
        for n in 1..<5 { #expect(try f.load(n) == f.uncached(n)) }
        #expect(try StoreVerifier(store: store).run().isClean)
        #expect(try cache.gc(gracePeriod: 0).removed.isEmpty)
    }

    @Test("gc stops, removing nothing, when a manifest cannot be read")
    func corruptManifestStopsGC() throws {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let f = mk(cache)
        for i in 0..<4 { _ = try f(i) }
        try cache.evict(f.digest(0))
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: store.calls.path(of: try f.digest(1))))
        expectFlecheError("corruptManifest") { try cache.gc(gracePeriod: 0) }
        #expect(try store.objects.keys().count == 12)
    }

    // MARK: verify

    func damagedStore() throws -> (TemporaryDirectory, FileStore, Cache, Memoized<Int, Value>) {
        let (directory, store, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let f = mk(cache)
        for i in 0..<6 { _ = try f(i) }
        #expect(try StoreVerifier(store: store).run().isClean)
        return (directory, store, cache, f)
    }

    func resultKey(_ cache: Cache, _ f: Memoized<Int, Value>, _ i: Int) throws -> Digest {
        try #require(try cache.load(f.digest(i)).record.result?.digest)
    }

    @Test("verify finds a flipped byte, a truncated object, a missing child and a manifest pointing nowhere")
    func verifyFindsDamage() throws {
        let (directory, store, cache, f) = try damagedStore()
        defer { withExtendedLifetime(directory) {} }
        // 1: flip a byte of a result object.
        let flipped = try resultKey(cache, f, 1)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: store.objects.path(of: flipped))))
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: store.objects.path(of: flipped)))
        // 2: truncate another.
        let truncated = try resultKey(cache, f, 2)
        let path2 = store.objects.path(of: truncated)
        try Data(contentsOf: URL(fileURLWithPath: path2)).prefix(9).write(to: URL(fileURLWithPath: path2))
        // 3: delete a child of a third.
        let parent = try resultKey(cache, f, 3)
        let child = try #require(try store.objects.childDigests(of: parent).first)
        try FileManager.default.removeItem(atPath: store.objects.path(of: child))
        // 4: delete the argument object of a fourth call.
        let argument = try #require(try cache.load(f.digest(4)).record.arguments.first?.value.digest)
        try FileManager.default.removeItem(atPath: store.objects.path(of: argument))

        let report = try StoreVerifier(store: store).run()
        let kinds = Dictionary(grouping: report.problems, by: \.key)
        #expect(kinds[flipped]?.first?.kind == .corruptObject)
        #expect(kinds[truncated]?.first?.kind == .corruptObject)
        #expect(kinds[parent]?.first?.kind == .missingChild)
        #expect(kinds[try f.digest(4)]?.first?.kind == .missingObject)
        for i in 1...4 { #expect(kinds[try f.digest(i)]?.first?.kind == .missingObject) }
        #expect(kinds[try f.digest(5)] == nil)
        #expect(report.problems.allSatisfy { !$0.path.isEmpty })

        // --repair moves them aside; then the store is clean and every call works again.
        let repaired = try StoreVerifier(store: store, repair: true).run()
        #expect(repaired.moved.count == 3 + 4)
        #expect(repaired.moved.allSatisfy { $0.contains("/lost+found/") })
        #expect(try StoreVerifier(store: store).run().isClean)
        for i in 0..<6 { #expect(try f(i) == f.uncached(i)) }
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("verify reports a garbage manifest and a misfiled one; repair fixes both")
    func verifyManifests() throws {
        let (directory, store, cache, f) = try damagedStore()
        defer { withExtendedLifetime(directory) {} }
        let garbage = try f.digest(0)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: store.calls.path(of: garbage)))
        let right = try f.digest(1)
        let wrong = Digest(hex: String(repeating: "ab", count: 32))!
        try FileManager.default.createDirectory(atPath: FileSystem.parentDirectory(store.calls.path(of: wrong)), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: store.calls.path(of: right), toPath: store.calls.path(of: wrong))
        let report = try StoreVerifier(store: store).run()
        #expect(Set(report.problems.map(\.kind)) == [.corruptManifest, .misfiledManifest])
        _ = try StoreVerifier(store: store, repair: true).run()
        #expect(try StoreVerifier(store: store).run().isClean)
        #expect(try cache.contains(right))
        #expect(try !cache.contains(garbage))
    }

    @Test("fleche gc and verify on the command line")
    func commandLine() throws {
        let (directory, store, cache, f) = try damagedStore()
        defer { withExtendedLifetime(directory) {} }
        try cache.evict(f.digest(0))
        let fleche = try builtProduct("fleche")
        let dry = try run(fleche, ["gc", "--dry-run", "--prune=now", "--store", directory.path])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("would remove 3 of 18 objects"))
        #expect(try store.objects.keys().count == 18)
        let real = try run(fleche, ["gc", "--prune", "now", "--store", directory.path, "--json"])
        #expect(try JSON.parse(real.stdout)["removed"]?.arrayValue?.count == 3)
        #expect(try run(fleche, ["verify", "--store", directory.path]).status == 0)
        try FileManager.default.removeItem(atPath: store.objects.path(of: try resultKey(cache, f, 1)))
        let broken = try run(fleche, ["verify", "--store", directory.path])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("missing object"))
        #expect(try run(fleche, ["verify", "--repair", "--store", directory.path]).status == 0)
        #expect(try run(fleche, ["verify", "--store", directory.path]).status == 0)
        #expect(try run(fleche, ["gc", "--prune", "soon", "--store", directory.path]).status == 64)
    }

    @Test("stress: 4 writer processes × 2,000 nested calls while gc runs in a loop with zero grace")
    func stress() throws {
        let directory = try TemporaryDirectory()
        _ = try FileStore(root: directory.path)
        let worker = try builtProduct("FlecheTestWorker")
        let fleche = try builtProduct("fleche")
        let writers = try (0..<4).map { try launch(worker, [directory.path, String($0 * 1_500), "2000", "nested"]) }
        var gcRuns = 0
        while writers.contains(where: { $0.process.isRunning }) {
            let gc = try run(fleche, ["gc", "--prune=now", "--store", directory.path])
            #expect(gc.status == 0, "\(gc.stderr)")
            gcRuns += 1
        }
        var writerErrors = ""
        for writer in writers {
            let result = writer.wait()
            #expect(result.status == 0, "\(result.stderr)")
            writerErrors += result.stderr
        }
        #expect(gcRuns >= 2)
        _ = try run(fleche, ["gc", "--prune=now", "--store", directory.path])
        let verify = try run(fleche, ["verify", "--store", directory.path, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(try JSON.parse(verify.stdout)["calls"] == .int(4 * 1_500 + 500), "writers said: \(writerErrors)")
        // Every call still loads: a process over all of them runs no body.
        let check = try run(worker, [directory.path, "0", "6500", "nested"])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ran 0", "\(check.stderr)")
    }

    /// The stress test's claim inside one process, where ThreadSanitizer sees every access
    /// (`make test-sanitized` runs it): writers and gc share the store's objects in memory.
    @Test("in one process: 4 writer threads × 250 calls beside a gc thread with zero grace; every call loads")
    func writersBesideGCInOneProcess() throws {
        let (directory, _, cache) = try store()
        defer { withExtendedLifetime(directory) {} }
        let f = mk(cache)
        let writersLeft = Atomic<Int>(4)
        let gcRuns = Atomic<Int>(0)
        let failures = Locked<[String]>([])
        let finished = DispatchGroup()
        func start(_ body: @escaping @Sendable () throws -> Void) {
            finished.enter()
            Thread.detachNewThread {
                do { try body() } catch { failures.withLock { $0.append("\(error)") } }
                finished.leave()
            }
        }
        for writer in 0..<4 {
            start {
                defer { writersLeft.subtract(1, ordering: .releasing) }
                for i in writer * 250..<(writer + 1) * 250 { _ = try f(i) }
            }
        }
        start {
            while writersLeft.load(ordering: .acquiring) > 0 {
                _ = try cache.gc(gracePeriod: 0)
                gcRuns.add(1, ordering: .relaxed)
            }
        }
        finished.wait()
        #expect(failures.withLock { $0 } == [])
        #expect(gcRuns.load(ordering: .relaxed) >= 1)
        _ = try cache.gc(gracePeriod: 0)
        for i in 0..<1_000 { #expect(try f.load(i) == f.uncached(i), "call \(i)") }
    }
}
