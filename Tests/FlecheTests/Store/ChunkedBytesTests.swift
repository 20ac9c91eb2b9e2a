import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
import FlecheSharing
import FlecheSystem

/// Large `bytes` values and file results in content-defined chunks: an edit stores only the
/// chunks it changed, and chunks are objects like any other for loads, gc, verify and
/// transfers.
@Suite("Chunked bytes")
struct ChunkedBytesTests {
    /// `count` bytes of text that compress about fivefold, varying with `seed`.
    static func text(_ count: Int, seed: Int) -> Data {
        var data = Data(capacity: count + 64)
        var line = 0
        while data.count < count {
            data.append(contentsOf: "row \(line), sample \(seed), value \(line &* 7_919 % 10_007), ok\n".utf8)
            line += 1
        }
        return data.prefix(count)
    }

    /// The files in a store's `objects/`, by name.
    static func objectNames(_ store: FileStore) -> Set<String> {
        var names = Set<String>()
        let enumerator = FileManager.default.enumerator(atPath: store.objects.directory)
        while let relative = enumerator?.nextObject() as? String {
            if !relative.contains("."), relative.contains("/") { names.insert(relative) }
        }
        return names
    }

    @Test("chunks are between the minimum and maximum sizes, and an edit moves only the cuts next to it")
    func chunkBoundaries() {
        var content = ArtifactResultTests.noise(24 << 20, seed: 11)
        let chunker = ContentDefinedChunker()
        let before = content.withUnsafeBytes { chunker.chunks(of: $0) }
        #expect(before.count >= 10)
        #expect(before.first?.lowerBound == 0 && before.last?.upperBound == content.count)
        for range in before.dropLast() {
            #expect(range.count >= ContentDefinedChunker.minimumSize && range.count <= ContentDefinedChunker.maximumSize)
        }
        // One inserted byte in the middle: the chunks before it are the same ranges, those
        // after it the same ranges one byte later; at most two differ.
        content.insert(0x5a, at: 12 << 20)
        let after = content.withUnsafeBytes { chunker.chunks(of: $0) }
        let shifted = Set(after.map { $0.lowerBound >= 12 << 20 ? ($0.lowerBound - 1)..<($0.upperBound - 1) : $0 })
        let changed = before.filter { !shifted.contains($0) }
        #expect(changed.count <= 2, "\(changed)")
        // Cut-short input: no cut is made until a maximum chunk's worth or the end is there.
        content.withUnsafeBytes { bytes in
            #expect(chunker.chunkLength(UnsafeRawBufferPointer(rebasing: bytes[0..<1_000_000]), atEnd: false) == nil)
            #expect(chunker.chunkLength(UnsafeRawBufferPointer(rebasing: bytes[0..<1_000]), atEnd: true) == 1_000)
        }
    }

    /// The cut rule of docs/FORMAT.md one byte at a time, as written there: what the
    /// chunker's two-bytes-a-step loop must agree with.
    static func specifiedChunkLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        typealias Chunker = ContentDefinedChunker
        guard bytes.count > Chunker.minimumSize else { return bytes.count }
        let end = min(bytes.count, Chunker.maximumSize)
        var fingerprint: UInt64 = 0
        for index in Chunker.minimumSize..<end {
            fingerprint = (fingerprint &<< 1) &+ Chunker.gear[Int(bytes[index])]
            let mask = index < Chunker.normalSize ? Chunker.strictMask : Chunker.looseMask
            if fingerprint & mask == 0 { return index + 1 }
        }
        return end
    }

    @Test("the chunker cuts where the specified one-byte-a-step rule does, at odd and even lengths, before and after the normal size")
    func cutsMatchTheSpecifiedRule() {
        // Noise cuts mostly after the normal size; text with a short period repeats its
        // fingerprints and cuts early or runs to the maximum; the pieces of varied length
        // end inside every part of the rule.
        let samples = [ArtifactResultTests.noise(40 << 20, seed: 3), Self.text(24 << 20, seed: 2)]
        var lengths: [Int] = []
        for sample in samples {
            sample.withUnsafeBytes { bytes in
                var start = 0
                var step = 0
                while start < bytes.count {
                    // Alternate whole-content cuts with ones from a piece cut short at the end.
                    let pieceEnd = step % 3 == 2 ? min(bytes.count, start + 300_000 + step * 77_777 % 3_000_000) : bytes.count
                    let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<pieceEnd])
                    let length = ContentDefinedChunker().chunkLength(piece, atEnd: true)
                    #expect(length == Self.specifiedChunkLength(piece), "at \(start), piece of \(piece.count)")
                    lengths.append(length ?? 0)
                    start += max(1, (length ?? 1) / (step % 2 + 1))
                    step += 1
                }
            }
        }
        let cuts = lengths.filter { $0 > ContentDefinedChunker.minimumSize && $0 < ContentDefinedChunker.maximumSize }
        #expect(cuts.contains { $0 % 2 == 1 } && cuts.contains { $0 % 2 == 0 })
        #expect(cuts.contains { $0 < ContentDefinedChunker.normalSize } && cuts.contains { $0 > ContentDefinedChunker.normalSize })
    }

    @Test("save(_:) names a large value while it stores the chunks: the value's digest, the same objects as a save under a known key, nothing written twice")
    func saveNamesWhileStoring() throws {
        let directory = try TemporaryDirectory()
        let named = try FileStore(root: directory.sub("named"))
        let keyed = try FileStore(root: directory.sub("keyed"))
        for data in [ArtifactResultTests.noise(24 << 20, seed: 8), Self.text(24 << 20, seed: 4)] {
            let value = Value.bytes(data)
            let key = try named.objects.save(value)
            #expect(key == value.digest(using: named.format.algorithm))
            try keyed.objects.save(value, key: key)
            #expect(try named.objects.load(key) == value)
            let chunks = try named.objects.childDigests(of: key)
            let keyedChunks = try keyed.objects.childDigests(of: key)
            #expect(chunks.count >= 10 && chunks == keyedChunks)
            #expect(try named.objects.saveCountingBytes(value, key: key) == 0)
            #expect(try named.objects.save(value) == key)
        }
        #expect(Self.objectNames(named) == Self.objectNames(keyed))
        // Values below the chunk size, and other storages, are named first (the default).
        for storage in [named.objects, Cache.memory().values] as [any ValueStorage] {
            for value in [Value.string("small"), .bytes(Self.text(2 << 20, seed: 1))] {
                let key = try storage.save(value)
                #expect(key == value.digest(using: .sha256))
                #expect(try storage.load(key) == value)
            }
        }
    }

    @Test("two versions of a 64 MiB file result share all but the edited chunks; both write out byte for byte; gc keeps and verify passes them")
    func editedFileSharesChunks() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let original = ArtifactResultTests.noise(64 << 20, seed: 5)
        var edited = original
        edited[33_000_000] ^= 0xff
        let versions = [original, edited]
        let runs = Counter()
        let export = memoize("export", arguments: ["version"], metadata: [], cache: cache) { (version: Int) -> FileArtifact in
            runs.increment()
            let path = directory.sub("export-\(version).bin")
            try ArtifactResultTests.write(versions[version], to: path)
            return FileArtifact(path)
        }
        _ = try export(0)
        let afterFirst = Self.objectNames(store)
        _ = try export(1)
        let added = Self.objectNames(store).subtracting(afterFirst)
        // The first version's chunks: a list naming about 64 of them.
        let first = try #require(try export(0).content)
        let header = try #require(try store.objects.header(first))
        #expect(header.codec == .chunked)
        #expect(header.children.count >= 30)
        #expect(afterFirst.count >= header.children.count + 2)
        // The second stored its result object, its chunk list and one or two chunks.
        #expect(added.count <= 4 && added.count >= 3, "\(added.count) new objects")
        #expect(runs.value == 2)

        // A later process writes both out, copied from chunks, and they hit.
        let later = try Cache(root: directory.sub("store"))
        let laterExport = memoize("export", arguments: ["version"], metadata: [], cache: later) { (version: Int) -> FileArtifact in
            runs.increment()
            return FileArtifact(directory.sub("export-\(version).bin"))
        }
        for version in 0..<2 {
            let destination = directory.sub("restored-\(version).bin")
            try laterExport(version).write(to: destination)
            #expect(FileManager.default.contents(atPath: destination) == versions[version])
        }
        #expect(runs.value == 2)
        // The body loads as the `bytes` value it is, whole.
        #expect(try store.objects.load(first) == .bytes(versions[0]))
        #expect(try later.gc(gracePeriod: 0).removed.isEmpty)
        let report = try StoreVerifier(store: store).run()
        #expect(report.isClean, "\(report.problems)")
    }

    @Test("a memoized call names its result as the cache stores it: a large Data through a stack over a file store, a memory cache, and a small inline one")
    func resultNamedWhileStored() throws {
        let directory = try TemporaryDirectory()
        let file = try Cache(root: directory.sub("store"))
        let store = try #require(file.fileStore)
        let large = Self.text(9 << 20, seed: 6)
        for cache in [try CacheStack([file, Cache.memory()]), Cache.memory()] as [any BaseCache] {
            let runs = Counter()
            let make = memoize("make", arguments: ["size"], metadata: [], cache: cache) { (size: Int) -> Data in
                runs.increment()
                return size > 100 ? large : Data(repeating: 7, count: size)
            }
            for size in [large.count, 10] {
                #expect(try make(size).count == size)
                let reference = try #require(try cache.load(try make.digest(size)).record.result)
                let expected = Value.bytes(size > 100 ? large : Data(repeating: 7, count: size))
                #expect(reference.digest == expected.digest(using: .sha256))
                #expect((reference.inline == nil) == (size > 100 || cache.inlineLimit == 0))
                #expect(try make(size) == (size > 100 ? large : Data(repeating: 7, count: size)))
            }
            #expect(runs.value == 2)
        }
        let key = Value.bytes(large).digest(using: .sha256)
        #expect(try store.objects.header(key)?.codec == .chunked)
    }

    @Test("on one CPU a large result is cut, named and stored all the same: no iteration waits for one that has not started")
    func oneProcessor() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        let worker = try builtProduct("FlecheTestWorker")
        // `timeout` ends a process that hangs (exit 124): the stores below would wait forever
        // if a storer waited for a namer that only the same, single thread could run.
        for expected in ["ran 2", "ran 0"] {
            let result = try run("/usr/bin/timeout", ["120", "taskset", "-c", "0", worker, root, "0", "2", "large"])
            #expect(result.status == 0, "\(result.status) \(result.stderr)")
            #expect(result.stdout.contains(expected), "\(result.stdout)")
        }
        let store = try FileStore(root: root)
        let chunked = try store.objects.keys().filter { try store.objects.header($0)?.codec == .chunked }
        #expect(chunked.count == 2)
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("a large Data result: stored in compressed chunks on both cores, loaded whole; a damaged or missing chunk is a miss that heals, and verify names it")
    func largeDataResult() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        let content = Self.text(24 << 20, seed: 1)
        let runs = Counter()
        func table(_ cache: Cache) -> Memoized<Int, Data> {
            memoize("table", arguments: ["seed"], metadata: [], cache: cache) { (seed: Int) -> Data in
                runs.increment()
                return content
            }
        }
        #expect(try table(try Cache(root: root))(1) == content)
        let cache = try Cache(root: root)
        let store = try #require(cache.fileStore)
        #expect(try table(cache)(1) == content)
        #expect(runs.value == 1)
        let key = Value.bytes(content).digest(using: .sha256)
        let header = try #require(try store.objects.header(key))
        #expect(header.codec == .chunked && header.payloadSize == content.count)
        // Every chunk compressed: the store holds far less than the value.
        for chunk in header.children { #expect(try store.objects.header(chunk)?.codec == .zlib) }
        let stored = Self.objectNames(store).reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: store.objects.directory + "/" + name)[.size] as? Int) ?? 0)
        }
        #expect(stored < content.count / 3)
        // The store's payload total counts the content once (in its chunks), not twice.
        let payload = try store.statistics().payloadBytes
        #expect(payload > content.count && payload < content.count + content.count / 50, "\(payload)")

        // A flipped byte in one chunk: verify names it and the list; the call is a miss that
        // stores the chunk again.
        let damaged = header.children[header.children.count / 2]
        let path = store.objects.path(of: damaged)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: path))
        let problems = try StoreVerifier(store: store).run().problems
        #expect(Set(problems.map(\.key)).isSuperset(of: [damaged, key]), "\(problems)")
        #expect(try table(cache)(1) == content)
        #expect(runs.value == 2)
        #expect(try table(cache)(1) == content)
        #expect(runs.value == 2)

        // A chunk gone: a miss that stores it again.
        try FileManager.default.removeItem(atPath: store.objects.path(of: header.children[0]))
        #expect(try table(cache)(1) == content)
        #expect(runs.value == 3)
        #expect(FileManager.default.fileExists(atPath: store.objects.path(of: header.children[0])))
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("a file result whose chunk is damaged fails to write out, and the next call recomputes it")
    func damagedChunkOfFileResult() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let content = ArtifactResultTests.noise(12 << 20, seed: 9)
        let runs = Counter()
        let make = memoize("make", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> FileArtifact in
            runs.increment()
            let path = directory.sub("made-\(runs.value)")
            try ArtifactResultTests.write(content, to: path)
            return FileArtifact(path)
        }
        let body = try #require(try make(1).described().content)
        let chunk = try #require(try store.objects.header(body)?.children.last)
        let path = store.objects.path(of: chunk)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 100] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let destination = directory.sub("out.bin")
        #expect(throws: FlecheError.self) { try make(1).write(to: destination) }
        #expect(runs.value == 1)
        #expect(!FileManager.default.fileExists(atPath: destination))
        try make(1).write(to: destination)
        #expect(runs.value == 2)
        #expect(FileManager.default.contents(atPath: destination) == content)
    }

    @Test("a store with chunked values pushed to another store hits there, and pulls with verify into a third", needsRsync)
    func chunkedStoreShared() throws {
        let directory = try TemporaryDirectory()
        let content = ArtifactResultTests.noise(9 << 20, seed: 4)
        let runs = Counter()
        func step(_ cache: Cache) -> Memoized<Int, Data> {
            memoize("step", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> Data in
                runs.increment()
                return content
            }
        }
        let source = try Cache(root: directory.sub("a"))
        _ = try step(source)(1)
        #expect(try source.push(to: .local(directory.sub("b"))).calls.count == 1)
        #expect(try step(try Cache(root: directory.sub("b")))(1) == content)
        let third = try Cache(root: directory.sub("c"))
        let pulled = try third.pull(from: .local(directory.sub("b")), verify: true)
        #expect(pulled.calls.count == 1 && pulled.refused.isEmpty)
        #expect(try step(third)(1) == content)
        #expect(runs.value == 1)
        let thirdStore = try #require(third.fileStore)
        let header = try #require(try thirdStore.objects.header(Value.bytes(content).digest(using: .sha256)))
        #expect(header.codec == .chunked && header.children.count >= 3)
    }
}
