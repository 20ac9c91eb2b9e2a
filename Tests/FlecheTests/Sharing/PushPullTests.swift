import Foundation
import Testing
@testable import Fleche
@testable import FlecheSharing
@testable import FlecheStore
@testable import FlecheSystem

@Suite("push and pull between store directories", needsRsync)
struct PushPullTests {
    @Test("push creates the destination with this store's FORMAT; every call hits there; a second push sends nothing")
    func pushCreatesAndRepeats() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<5)
        let first = try source.cache.push(to: .local(directory.sub("b")))
        #expect(first.calls.count == 10)
        #expect(first.objects == storeFiles(source.root).filter { $0.hasPrefix("objects/") }.count)
        #expect(first.bytes > 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.sub("b/FORMAT")))
            == Data(contentsOf: URL(fileURLWithPath: directory.sub("a/FORMAT"))))
        #expect(storeFiles(directory.sub("b")) == storeFiles(source.root))
        #expect(try SharedStoreFixture(root: directory.sub("b")).allHit(0..<5))
        #expect(try StoreVerifier(store: FileStore(root: directory.sub("b"), create: false)).run().isClean)

        let second = try source.cache.push(to: .local(directory.sub("b")))
        #expect(second.calls.isEmpty && second.objects == 0 && second.bytes == 0)
        #expect(second.existingCalls == 10)
    }

    @Test("push never sends tmp/, gc.lock, lost+found/ or stray files, and leaves nothing in the destination's tmp/")
    func pushSendsOnlyKeys() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<2)
        let someObject = storeFiles(source.root).first { $0.hasPrefix("objects/") }!
        let shard = FileSystem.parentDirectory(someObject)
        for stray in ["tmp/123-4-5", "lost+found/objects/abc", "\(shard)/.\(someObject.split(separator: "/").last!).Xy12ab", "objects/README", "calls/zz/notakey"] {
            try FileManager.default.createDirectory(atPath: FileSystem.parentDirectory(source.root + "/" + stray), withIntermediateDirectories: true)
            try Data("stray".utf8).write(to: URL(fileURLWithPath: source.root + "/" + stray))
        }
        FileSystem.createIfAbsent(source.root + "/gc.lock")
        try source.cache.push(to: .local(directory.sub("b")))
        let sent = Set(filesUnder(directory.sub("b")))
        #expect(sent == storeFiles(source.root).subtracting(["objects/README", "calls/zz/notakey"]).union(["FORMAT"])
            .filter { !$0.contains("/.") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("b/tmp")).isEmpty)
    }

    @Test("push --name publishes one function's calls with exactly the objects they reach")
    func pushFiltered() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<4)
        let report = try source.cache.push(to: .local(directory.sub("b")), matching: CallTemplate(name: "squares"))
        #expect(report.calls.count == 4)
        let target = try FileStore(root: directory.sub("b"), create: false)
        let records = try target.calls.records()
        #expect(records.count == 4 && records.allSatisfy { $0.record.name == "squares" })
        let roots = records.flatMap { $0.record.objectDigests }
        let reached = try source.store.objects.reach(from: roots).reached
        #expect(Set(try target.objects.keys()) == reached)
        #expect(reached.count > records.count)  // children came too
        #expect(try StoreVerifier(store: target).run().isClean)
    }

    /// The folders each rsync run of a push moved, in order, read from a logging rsync's
    /// log: the first components of the files it named (on its command line as
    /// `root/./path`, or in a file list), or the folders a walk's filter rules include.
    /// Dry runs (which move nothing, and run beside the read of `FORMAT`) are left out.
    static func runKinds(_ log: String) throws -> [Set<String>] {
        var runs: [Set<String>] = []
        var dry = false
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("RUN ") {
                dry = line.contains(" --dry-run")
                if dry { continue }
                var kinds = Set<String>()
                for word in line.split(separator: " ") {
                    if word.hasPrefix("--include=/") && word.hasSuffix("/") {
                        kinds.insert(String(word.dropFirst("--include=/".count).dropLast()))
                    } else if let named = word.range(of: "/./") {
                        kinds.insert(word[named.upperBound...].split(separator: "/").first.map(String.init) ?? "")
                    }
                }
                runs.append(kinds.filter { !$0.contains("/") })
            } else if !dry, !runs.isEmpty {
                runs[runs.count - 1].insert(line.split(separator: "/").first.map(String.init) ?? "")
            }
        }
        return runs.filter { !$0.isEmpty }
    }

    /// The object files a logging rsync's runs named, on command lines or in file lists.
    static func namedObjects(_ log: String) throws -> Set<String> {
        var named = Set<String>()
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            let words = line.hasPrefix("RUN ") ? line.split(separator: " ").compactMap { word in
                word.range(of: "/./").map { word[$0.upperBound...] }
            } : [line]
            named.formUnion(words.filter { $0.hasPrefix("objects/") && !$0.hasSuffix("/") }.map(String.init))
        }
        return named
    }

    @Test("push sends every object before any manifest, then the sent manifests' objects again")
    func pushOrder() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)
        let (rsync, log) = try loggingRsync(in: directory)
        var push = StorePush(store: source.store, to: .local(directory.sub("b")))
        push.rsync = rsync
        _ = try push.run()
        // A new store: its FORMAT read (absent), the store created, then the objects, the
        // manifests and their objects again, named one by one (few of them here).
        let whole = try Self.runKinds(log)
        #expect(whole == [["FORMAT"], ["FORMAT", "calls", "objects", "tmp"], ["objects"], ["calls"], ["objects"]])
        #expect(try source.allHit(0..<3))

        // A second push after two new calls: FORMAT read (present) beside the dry run, then
        // only the new call and its objects.
        try source.fill(3..<4)
        try FileManager.default.removeItem(atPath: log)
        let again = try push.run()
        #expect(try Self.runKinds(log) == [["FORMAT"], ["objects"], ["calls"], ["objects"]])
        #expect(again.calls.count == 2 && again.existingCalls == 6)  // tables(3), squares(3)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains(" --dry-run "))

        try FileManager.default.removeItem(atPath: log)
        var selected = StorePush(store: source.store, to: .local(directory.sub("c")), template: CallTemplate(name: "tables"))
        selected.rsync = rsync
        _ = try selected.run()
        let selection = try Self.runKinds(log)
        #expect(selection == [["FORMAT"], ["FORMAT", "calls", "objects", "tmp"], ["objects"], ["calls"], ["objects"]])
        let listed = try Self.namedObjects(log)
        let records = try FileStore(root: directory.sub("c")).calls.records()
        let reached = try source.store.objects.reach(from: records.flatMap { $0.record.objectDigests }).reached
        #expect(records.count == 4 && listed == Set(reached.map(StorePaths.object)), "\(listed.count) listed, \(reached.count) reached")
    }

    @Test("push refuses a destination with another digest algorithm and sends nothing")
    func pushIncompatible() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<2)
        _ = try FileStore(root: directory.sub("b"), algorithm: .xxh3)
        #expect(throws: SharingError.self) { try source.cache.push(to: .local(directory.sub("b"))) }
        do {
            try source.cache.push(to: .local(directory.sub("b")))
        } catch let error as SharingError {
            #expect("\(error)".contains("digest xxh3-128 there, sha256 here"))
        }
        #expect(storeFiles(directory.sub("b")).isEmpty)
    }

    @Test("a dry run reports what would move and changes nothing on either side")
    func dryRuns() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)
        let push = try source.cache.push(to: .local(directory.sub("b")), dryRun: true)
        #expect(push.dryRun && push.calls.count == 6 && push.objects > 6 && push.bytes > 0)
        #expect(!FileManager.default.fileExists(atPath: directory.sub("b")))
        let pull = try StorePull(into: directory.sub("c"), from: .local(source.root), dryRun: true).run()
        #expect(pull.calls.count == 6 && pull.objects == push.objects && pull.bytes == push.bytes)
        #expect(!FileManager.default.fileExists(atPath: directory.sub("c")))
        let filtered = try StorePull(into: directory.sub("c"), from: .local(source.root), template: CallTemplate(name: "tables"), dryRun: true).run()
        #expect(filtered.calls.count == 3 && filtered.objects > 3 && filtered.objects < push.objects)
        #expect(!FileManager.default.fileExists(atPath: directory.sub("c")))
    }

    @Test("pull into a store that does not exist creates it with the source's settings, and every call hits")
    func pullCreates() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"), algorithm: .xxh3)
        try source.fill(0..<4)
        let report = try StorePull(into: directory.sub("b"), from: .local(source.root)).run()
        #expect(report.calls.count == 8 && report.refused.isEmpty)
        let target = try FileStore(root: directory.sub("b"), create: false)
        #expect(target.format == source.store.format)
        #expect(try SharedStoreFixture(root: directory.sub("b")).allHit(0..<4))
        #expect(try StoreVerifier(store: target).run().isClean)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("b/tmp")).isEmpty)
        let again = try StorePull(into: directory.sub("b"), from: .local(source.root)).run()
        #expect(again.calls.isEmpty && again.objects == 0 && again.existingCalls == 8)
    }

    @Test("pull --name brings the matching calls and, level by level, exactly the objects they reach")
    func pullFiltered() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)
        let target = try SharedStoreFixture(root: directory.sub("b"))
        let report = try target.cache.pull(from: .local(source.root), matching: CallTemplate(name: "tables"))
        #expect(report.calls.count == 3)
        let records = try target.store.calls.records()
        #expect(records.count == 3 && records.allSatisfy { $0.record.name == "tables" })
        let reached = try source.store.objects.reach(from: records.flatMap { $0.record.objectDigests }).reached
        #expect(Set(try target.store.objects.keys()) == reached)
        let runs = Counter()
        for i in 0..<3 { _ = try target.tables(runs)(i) }
        #expect(runs.value == 0)
        #expect(try StoreVerifier(store: target.store).run().isClean)
    }

    @Test("pull keeps a manifest the store already has")
    func pullKeepsExisting() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<2)
        let target = try SharedStoreFixture(root: directory.sub("b"))
        _ = try target.tables()(0)
        let key = try target.tables().digest(0)
        let mine = try Data(contentsOf: URL(fileURLWithPath: target.store.calls.path(of: key)))
        try FileManager.default.removeItem(atPath: source.store.calls.path(of: key))
        _ = try source.cache.save(CallRecord(name: "tables", module: "other", arguments: []), values: [:])
        let report = try target.cache.pull(from: .local(source.root))
        #expect(report.existingCalls == 0 && report.calls.count == 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target.store.calls.path(of: key))) == mine)
    }

    @Test("pull --verify refuses a damaged object with the calls that need it and moves the rest in")
    func pullVerifyRefuses() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)
        // Damage one child object of tables(1): same length, one payload byte changed.
        let key = try source.tables().digest(1)
        let top = try source.store.calls.load(key).result!.digest
        let child = try source.store.objects.childDigests(of: top)[0]
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source.store.objects.path(of: child))))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: source.store.objects.path(of: child)))

        let target = try SharedStoreFixture(root: directory.sub("b"))
        let report = try target.cache.pull(from: .local(source.root), verify: true)
        #expect(Set(report.refused.map(\.key)) == [child, top, key])
        #expect(report.calls.count == 5)
        #expect(!FileManager.default.fileExists(atPath: target.store.calls.path(of: key)))
        #expect(!FileManager.default.fileExists(atPath: target.store.objects.path(of: child)))
        #expect(try StoreVerifier(store: target.store).run().isClean)
        // The refused call is a miss that computes; the others hit.
        let runs = Counter()
        for i in 0..<3 { _ = try target.tables(runs)(i) }
        #expect(runs.value == 1)
    }

    @Test("without --verify, pull still refuses an object whose header does not parse, and its calls")
    func pullRefusesTruncated() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<2)
        let key = try source.squares().digest(0)
        let top = try source.store.calls.load(key).result!.digest
        try Data([0x46, 0x4C]).write(to: URL(fileURLWithPath: source.store.objects.path(of: top)))
        let target = try SharedStoreFixture(root: directory.sub("b"))
        let report = try target.cache.pull(from: .local(source.root))
        #expect(Set(report.refused.map(\.key)) == [top, key])
        #expect(report.calls.count == 3)
        #expect(try StoreVerifier(store: target.store).run().isClean)
    }

    @Test("a keyed receiver refuses a manifest tampered with on the sending side, and an unsigned one")
    func pullRefusesUntrusted() throws {
        let directory = try TemporaryDirectory()
        let keys = SigningKeys(keys: [[UInt8](repeating: 7, count: 32)])
        let source = try SharedStoreFixture(root: directory.sub("a"), signingKeys: keys)
        try source.fill(0..<3)
        // tables(1) now claims the result of tables(2); squares(0) was written by a keyless writer.
        let tampered = try source.tables().digest(1)
        let swapped = try source.store.calls.load(try source.tables().digest(2)).result!.digest.hex
        let original = try source.store.calls.load(tampered).result!.digest.hex
        let path = source.store.calls.path(of: tampered)
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: original, with: swapped)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let unsigned = try source.squares().digest(0)
        try FileManager.default.removeItem(atPath: source.store.calls.path(of: unsigned))
        _ = try SharedStoreFixture(root: directory.sub("a"), signingKeys: .noKeys).squares()(0)

        let receiver = try SharedStoreFixture(root: directory.sub("b"), signingKeys: keys)
        let report = try receiver.cache.pull(from: .local(source.root))
        #expect(Set(report.refused.map(\.key)) == [tampered, unsigned])
        #expect(report.refused.allSatisfy { $0.kind == .untrustedManifest })
        #expect(report.calls.count == 4)
        let runs = Counter()
        #expect(try receiver.tables(runs)(1) == SharedStoreFixture.table(1))
        #expect(runs.value == 1)
    }

    @Test("gc removes the incoming folder a killed pull left, never one a pull is using")
    func gcRemovesAbandonedIncoming() throws {
        let directory = try TemporaryDirectory()
        let store = try SharedStoreFixture(root: directory.sub("a")).store
        let inUse = try IncomingFolder(storeRoot: store.root)
        // A killed pull: the folder and its lock file, no process holding the lock.
        let abandoned = store.root + "/tmp/incoming-99999-1-1"
        try FileManager.default.createDirectory(atPath: abandoned + "/objects/ab", withIntermediateDirectories: true)
        FileSystem.createIfAbsent(abandoned + "/lock")
        FileSystem.createIfAbsent(abandoned + "/objects/ab/cd")
        let report = try GarbageCollector(store: store, gracePeriod: 0).run()
        #expect(report.removedTemporaryFiles == 1)
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: inUse.path + "/lock"))
        try inUse.remove()
        #expect(!FileManager.default.fileExists(atPath: inUse.path))
    }

    @Test("a missing rsync and a source that is not a store are clear errors")
    func clearErrors() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        var push = StorePush(store: source.store, to: .local(directory.sub("b")))
        push.rsync.executable = "/nonexistent/rsync"
        #expect(throws: SharingError.rsyncMissing("/nonexistent/rsync")) { try push.run() }
        #expect(throws: SharingError.notAStore(directory.sub("nothing"))) {
            try StorePull(into: directory.sub("c"), from: .local(directory.sub("nothing"))).run()
        }
    }
}
