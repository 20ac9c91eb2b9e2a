import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheSystem
@testable import FlecheValue

@Suite("File store")
struct FileStoreTests {
    func square(_ cache: Cache, _ runs: Counter) -> Memoized<Int, String, [Double]> {
        memoize("f", module: "T", version: "1", arguments: ["i", "s"], cache: cache) { (i: Int, s: String) -> [Double] in
            runs.increment()
            return (0..<100).map { Double(i) + Double($0) }
        }
    }

    @Test("one miss writes FORMAT, gc.lock, one manifest named by the key, one result object, this process's counters, and no temp file")
    func layoutAfterOneMiss() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let f = square(cache, Counter())
        _ = try f(1, "a")
        let key = try f.digest(1, "a").hex
        let resultKey = try ValueEncoder().encode((0..<100).map { 1.0 + Double($0) }).digest(using: .sha256).hex
        let split = { (hex: String) in "\(hex.prefix(2))/\(hex.dropFirst(2))" }
        let (counters, files) = filesUnder(directory.path).partitioned(by: { $0.hasPrefix("stats/") })
        #expect(files == ["FORMAT", "calls/\(split(key))", "gc.lock", "objects/\(split(resultKey))"].sorted())
        #expect(counters.map { $0.split(separator: ".").last! } == ["counts", "lock"], "\(counters)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sub("tmp")).isEmpty)
        // The manifest is readable JSON naming the function, with small arguments inline.
        let manifest = try JSON.parse(String(contentsOfFile: directory.sub("calls/\(split(key))"), encoding: .utf8))
        #expect(manifest["name"] == .string("f"))
        #expect(manifest["arguments"]?.arrayValue?.first?["value"] == .int(1))
        #expect(manifest["result"]?["digest"] == .string(resultKey))
        // The object is zlib-compressed (this result compresses well).
        let object = try ObjectFile.parse(Array(try Data(contentsOf: URL(fileURLWithPath: directory.sub("objects/\(split(resultKey))")))))
        #expect(object.codec == .zlib)
    }

    @Test("incompressible payloads are stored raw; large values round-trip byte for byte", arguments: DigestAlgorithm.allCases)
    func rawPayloads(algorithm: DigestAlgorithm) throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.path, algorithm: algorithm)
        var generator = SystemRandomNumberGenerator()
        let random = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let value = Value.bytes(random)
        let key = value.digest(using: algorithm)
        try store.objects.save(value, key: key)
        #expect(try store.objects.header(key)?.codec == .raw)
        #expect(try store.objects.load(key) == value)
        #expect(key.hex.count == algorithm.hexLength)
    }

    /// Saves one call with an object result and returns the object's path and key.
    func storedObject(_ directory: TemporaryDirectory) throws -> (Cache, Memoized<Int, String, [Double]>, Counter, String, Digest) {
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        let f = square(cache, runs)
        _ = try f(1, "a")
        let resultKey = try cache.load(try f.digest(1, "a")).record.result!.digest
        return (cache, f, runs, (cache.values as! FileObjectStorage).path(of: resultKey), resultKey)
    }

    @Test("a truncated object read directly is corrupt, naming its key and path; the memoized call heals it")
    func truncatedObject() throws {
        let directory = try TemporaryDirectory()
        let (cache, f, runs, path, key) = try storedObject(directory)
        let expected = try f(1, "a")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: path))
        do {
            _ = try cache.loadObject(key)
            Issue.record("expected a corrupt-object error")
        } catch FlecheError.corruptObject(let badKey, let badPath, _) {
            #expect(badKey == key)
            #expect(badPath == path)
        }
        #expect(try f(1, "a") == expected)
        #expect(runs.value == 2)
        #expect(try cache.loadObject(key) == ValueEncoder().encode(expected))
    }

    @Test("every single flipped bit in an object is reported as corrupt, and the memoized call heals it", arguments: [0, 4, 5, 7, 40, -1])
    func flippedBit(at offset: Int) throws {
        let directory = try TemporaryDirectory()
        let (cache, f, runs, path, key) = try storedObject(directory)
        let expected = try f(1, "a")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let index = offset >= 0 ? offset : bytes.count + offset
        bytes[index] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try cache.loadObject(key)
            Issue.record("expected a corrupt-object error")
        } catch FlecheError.corruptObject(let badKey, _, _) {
            #expect(badKey == key)
        } catch {
            Issue.record("expected corruptObject, got \(error)")
        }
        #expect(try f(1, "a") == expected)
        #expect(runs.value == 2)
    }

    @Test("a corrupt manifest read directly is an error naming the key; on the hit path a miss that heals")
    func corruptManifest() throws {
        let directory = try TemporaryDirectory()
        let (cache, f, runs, _, _) = try storedObject(directory)
        let expected = try f(1, "a")
        let key = try f.digest(1, "a")
        let path = (cache.calls as! FileCallStorage).path(of: key)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: FlecheError.corruptManifest(key: key, path: path, reason: "invalid JSON at byte 2: expected a member name")) {
            _ = try cache.load(key)
        }
        #expect(try f(1, "a") == expected)
        #expect(runs.value == 2)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/lost+found/calls/" + key.hex))
        #expect(try f(1, "a") == expected)
        #expect(runs.value == 2)
    }

    @Test("a deleted object is a miss that recomputes and stores it again")
    func deletedObject() throws {
        let directory = try TemporaryDirectory()
        let (_, f, runs, path, _) = try storedObject(directory)
        try FileManager.default.removeItem(atPath: path)
        #expect(try f(1, "a").count == 100)
        #expect(runs.value == 2)
        #expect(FileManager.default.fileExists(atPath: path))
        _ = try f(1, "a")
        #expect(runs.value == 2)
    }

    @Test("stray files in the store are ignored by listings and queries")
    func strayFiles() throws {
        let directory = try TemporaryDirectory()
        let (cache, _, _, _, _) = try storedObject(directory)
        try FileManager.default.createDirectory(atPath: directory.sub("calls/zz"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory.sub("calls/zz/notes.txt"), contents: Data("x".utf8))
        FileManager.default.createFile(atPath: directory.sub("calls/.DS_Store"), contents: Data("x".utf8))
        let anyShard = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.sub("calls")).first { $0.count == 2 && $0 != "zz" })
        FileManager.default.createFile(atPath: directory.sub("calls/\(anyShard)/.rsync-tmp.abc"), contents: Data("x".utf8))
        #expect(try cache.query(CallTemplate()).count() == 1)
        #expect(try cache.calls.keys().count == 1)
    }

    @Test("FORMAT pins the algorithm and version; other versions and foreign directories are clear errors")
    func format() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.path, algorithm: .xxh3)
        #expect(store.format.algorithm == .xxh3)
        #expect(try FileStore(root: directory.path).format.algorithm == .xxh3)
        expectFlecheError("unknownFormat") { _ = try FileStore(root: directory.path, algorithm: .sha256) }
        try Data(#"{"fleche_store": 99, "digest": "sha256"}"#.utf8).write(to: URL(fileURLWithPath: directory.sub("FORMAT")))
        do {
            _ = try FileStore(root: directory.path)
            Issue.record("expected an unknown-format error")
        } catch FlecheError.unknownFormat(_, let reason) {
            #expect(reason.contains("99"))
        }
        let foreign = try TemporaryDirectory()
        FileManager.default.createFile(atPath: foreign.sub("thesis.tex"), contents: Data())
        expectFlecheError("unknownFormat") { _ = try FileStore(root: foreign.path) }
        expectFlecheError("unknownFormat") { _ = try FileStore(root: foreign.sub("missing"), create: false) }
        // What a store's own writers make is not foreign: a process that created the store
        // and counted its calls in stats/ before another looked for FORMAT (two processes
        // opening one new store at once; ThreadSanitizer's slowness found it).
        let half = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: half.sub("stats"), withIntermediateDirectories: true)
        #expect(try FileStore(root: half.path).format.algorithm == .sha256)
    }

    @Test("inline values are found by loadValue too")
    func inlineValues() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let f = memoize("f", cache: cache) { (x: Int) -> Int in x * 2 }
        _ = try f(21)
        #expect(try cache.values.keys().isEmpty)  // all inline: one file per call
        #expect(try cache.loadValue(ValueEncoder().encode(42).digest(using: .sha256)) == .int(42))
    }

    @Test("a store deleted and created again while a cache is open still serves hits (manifests read through an open calls/)")
    func storeReplaced() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let early = try Cache(root: directory.path)
        let f = scenarioFunction(early, runs: runs)
        _ = try f(1, "a")
        try FileManager.default.removeItem(atPath: directory.path)
        let late = try Cache(root: directory.path)
        _ = try scenarioFunction(late, runs: runs)(2, "b")
        #expect(runs.value == 2)
        #expect(try f(2, "b") == scenarioResult(2))   // written by `late`, read by `early`
        #expect(runs.value == 2)
        #expect(try early.load(f.digest(2, "b")).argument("i", as: Int.self) == 2)
        // Evicting through the old open calls/ finds nothing there; the path finds it.
        #expect(try early.evict(f.digest(2, "b")))
        #expect(try !late.contains(f.digest(2, "b")))
        #expect(try !early.evict(f.digest(2, "b")))
    }

    @Test("evict removes a manifest through the open calls/ and says whether there was one; the call then runs again")
    func evictThroughOpenDirectory() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let cache = try Cache(root: directory.path)
        let f = scenarioFunction(cache, runs: runs)
        _ = try f(1, "a")
        _ = try f(2, "b")
        let key = try f.digest(1, "a")
        let store = try #require(cache.fileStore)
        #expect(FileManager.default.fileExists(atPath: store.calls.path(of: key)))
        #expect(try cache.evict(key))
        #expect(!FileManager.default.fileExists(atPath: store.calls.path(of: key)))
        #expect(try !cache.evict(key))
        #expect(try cache.contains(f.digest(2, "b")))
        _ = try f(1, "a")
        #expect(runs.value == 3)
    }
}

@Suite("Call manifests")
struct CallManifestTests {
    @Test("a record with every field round-trips through its manifest text")
    func roundTrip() throws {
        let record = CallRecord(
            name: "f", module: "M", version: "3", codeDigest: Value.string("code").digest(using: .sha256),
            arguments: [
                .init(name: "small", value: ValueReference(.int(-7), using: .sha256, inlineLimit: 256)),
                .init(name: "large", value: ValueReference(digest: Value.string("big").digest(using: .sha256))),
            ],
            metadata: ["runtime": ["timestop": .double(1795606114.1207707), "walltime": .double(0.25)],
                       "tags": ["nested": .array([.int(1), .object([("a", .null)])]), "s": .string("é\"\\")]],
            result: ValueReference(.doubles([0.5, -0.0, 1e-300]), using: .sha256, inlineLimit: 256))
        let decoded = try CallManifest.decode(CallManifest.encode(record))
        #expect(decoded == record)
        #expect(try CallManifest.decodeResult(CallManifest.encode(record)) == record.result)
        var bare = record
        bare.module = nil
        bare.version = nil
        bare.codeDigest = nil
        bare.result = nil
        bare.metadata = [:]
        #expect(try CallManifest.decode(CallManifest.encode(bare)) == bare)
    }

    @Test("manifests larger than the first 4 KiB read load whole, on the hit path and in queries")
    func largeManifest() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let note = String(repeating: "ab", count: 6_000)
        let f = memoize("f", arguments: ["x"], metadata: [TagsCollector(["note": .string(note)])], cache: cache) { (x: Int) in x + 1 }
        _ = try f(1)
        let key = try f.digest(1)
        #expect(FileSystem.status(cache.store!.calls.path(of: key))!.size > 12_000)
        let runs = Counter()
        let g = memoize("f", arguments: ["x"], cache: cache) { (x: Int) -> Int in runs.increment(); return 0 }
        #expect(try g(1) == 2 && runs.value == 0)
        #expect(try cache.load(key).metadata["tags"]?["note"] == .string(note))
        #expect(try cache.query(CallTemplate(metadata: ["tags": ["note": .string(note)]])).count() == 1)
    }

    @Test("bad manifests are errors that say what is wrong; unknown members are skipped")
    func invalid() throws {
        let digest = Value.int(1).digest(using: .sha256).hex
        func reason(_ text: String) -> String? {
            do {
                _ = try CallManifest.decode(Array(text.utf8))
                return nil
            } catch let invalid as CallManifest.Invalid {
                return invalid.reason
            } catch {
                return "\(error)"
            }
        }
        let good = #"{"fleche_call": 1, "name": "f", "extra": {"x": [1]}, "arguments": [{"name": "i", "digest": "\#(digest)"}], "result": null}"#
        #expect(reason(good) == nil)
        #expect(reason(#"{"fleche_call": 2, "name": "f", "arguments": 7}"#)?.contains("manifest version 2") == true)
        #expect(reason(#"{"fleche_call": 1, "arguments": []}"#) == "no 'name'")
        #expect(reason(#"{"fleche_call": 1, "name": "f"}"#) == "no 'arguments' list")
        #expect(reason(#"{"name": "f", "arguments": []}"#) == "no 'fleche_call' version")
        #expect(reason(#"{"fleche_call": 1, "name": "f", "module": 3, "arguments": []}"#) == "'module' is not a string")
        #expect(reason(#"{"fleche_call": 1, "name": "f", "arguments": [{"digest": "\#(digest)"}]}"#) == "an argument has no 'name'")
        #expect(reason(#"{"fleche_call": 1, "name": "f", "arguments": [{"name": "i", "digest": "zz"}]}"#)?.contains("no valid 'digest'") == true)
        #expect(reason(#"{"fleche_call": 1, "name": "f", "arguments": [], "metadata": {"runtime": 3}}"#) == "metadata 'runtime' is not an object")
        #expect(reason(#"{"fleche_call": 1, "name": "f", "arguments": []} x"#)?.contains("trailing") == true)
        #expect(reason(#"[1]"#)?.contains("expected an object") == true)
        #expect(reason(String(good.dropLast(3)))?.contains("invalid JSON") == true)
    }
}
