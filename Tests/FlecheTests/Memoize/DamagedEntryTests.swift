import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheSystem

/// A damaged store file is a miss that heals: set aside in `lost+found/`, computed again,
/// stored whole. Never an error in the user's call.
@Suite("Damaged entries are misses that heal")
struct DamagedEntryTests {
    /// SplitMix64: the same damage on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// What a power loss without `fsync` leaves (and, for objects, a flipped bit).
    enum Damage: CaseIterable {
        case emptied, cutInHalf, zeroed, flippedNearEnd

        func apply(to path: String) throws {
            let url = URL(fileURLWithPath: path)
            var bytes = try Array(Data(contentsOf: url))
            switch self {
            case .emptied: bytes = []
            case .cutInHalf: bytes = Array(bytes.prefix(bytes.count / 2))
            case .zeroed: bytes = [UInt8](repeating: 0, count: bytes.count)
            case .flippedNearEnd: bytes[bytes.count - 2] ^= 0x10
            }
            try Data(bytes).write(to: url)
        }
    }

    /// `objects/ab/cdef…` → the key `abcdef…`.
    static func key(ofRelativePath path: String) -> String {
        path.split(separator: "/").dropFirst().joined()
    }

    @Test("power loss: a tenth of objects and manifests emptied, cut, zeroed or flipped; a new process returns every result, the damage is set aside and reported, the store verifies clean")
    func powerLoss() throws {
        let directory = try TemporaryDirectory()
        let root = directory.sub("store")
        _ = try FileStore(root: root)
        let worker = try builtProduct("FlecheTestWorker")
        let writer = try run(worker, [root, "0", "200", "nested"])
        #expect(writer.status == 0, "\(writer.stderr)")
        #expect(writer.stdout.contains("ran 200"))

        var generator = SeededGenerator(state: 16)
        let objects = filesUnder(root + "/objects").map { "objects/" + $0 }
        let manifests = filesUnder(root + "/calls").map { "calls/" + $0 }
        let damagedObjects = Array(objects.shuffled(using: &generator).prefix(objects.count / 10))
        let damagedManifests = Array(manifests.shuffled(using: &generator).prefix(manifests.count / 10))
        #expect(damagedObjects.count >= 10 && damagedManifests.count == 20)
        for (index, path) in damagedObjects.enumerated() {
            try Damage.allCases[index % 4].apply(to: root + "/" + path)
        }
        // A manifest has no checksum: a flipped bit can leave valid JSON. Power loss only.
        for (index, path) in damagedManifests.enumerated() {
            try Damage.allCases[index % 3].apply(to: root + "/" + path)
        }

        // The worker exits 1 on any error or wrong result.
        let reader = try run(worker, [root, "0", "200", "nested"])
        #expect(reader.status == 0, "\(reader.stderr)")
        let ran = Int(reader.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "")
        #expect(ran.map { $0 >= damagedManifests.count && $0 < 200 } == true, "\(reader.stdout)")
        #expect((reader.stdout + reader.stderr).contains("damaged store file set aside"))

        // Each damaged file was set aside (on a hit, or by the save that found it whole no more).
        let lost = Set(filesUnder(root + "/lost+found"))
        let expected = Set(damagedObjects.map { "objects/" + Self.key(ofRelativePath: $0) })
            .union(damagedManifests.map { "calls/" + Self.key(ofRelativePath: $0) })
        #expect(lost == expected)
        let report = try StoreVerifier(store: try FileStore(root: root)).run()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.checkedCalls == 200)

        let again = try run(worker, [root, "0", "200", "nested"])
        #expect(again.status == 0 && again.stdout.contains("ran 0"), "\(again.stdout) \(again.stderr)")
    }

    func sumAndCount(_ cache: Cache) -> (Memoized<[Int], Int>, Memoized<[Int], Int>) {
        (memoize("sum", arguments: ["xs"], metadata: [], cache: cache) { (xs: [Int]) in xs.reduce(0, +) },
         memoize("count", arguments: ["xs"], metadata: [], cache: cache) { (xs: [Int]) in xs.count })
    }

    @Test("a save that finds an existing object damaged replaces it; a whole one is only touched")
    func saveReplacesDamagedObject() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let cache = Cache(store: store)
        let (sum, count) = sumAndCount(cache)
        let big = Array(0..<5_000)
        #expect(try sum(big) == big.reduce(0, +))
        let argument = try #require(try cache.load(sum.digest(big)).record.arguments.first?.value.digest)
        let path = store.objects.path(of: argument)
        func inode() throws -> Int? { try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int }
        let before = try #require(try inode())

        // A second function saves the same argument: the whole object stays as it is.
        #expect(try count(big) == 5_000)
        #expect(try inode() == before)

        for damage in Damage.allCases {
            try damage.apply(to: path)
            #expect(try !StoreVerifier(store: store).run().isClean)
            try cache.evict(count.digest(big))
            #expect(try count(big) == 5_000)
            #expect(try StoreVerifier(store: store).run().isClean, "\(damage)")
            #expect(FileManager.default.fileExists(atPath: directory.sub("store/lost+found/objects/\(argument.hex)")))
        }
    }

    @Test("a raw object whose last block a power loss zeroed (size unchanged, header whole) is replaced by the next save")
    func zeroedLastBlockOfRawObject() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let cache = Cache(store: store)
        var generator = SeededGenerator(state: 7)
        let noise = Data((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let size = memoize("size", arguments: ["blob"], metadata: [], cache: cache) { (blob: Data) in blob.count }
        let again = memoize("size again", arguments: ["blob"], metadata: [], cache: cache) { (blob: Data) in blob.count }
        #expect(try size(noise) == 20_000)
        let argument = try #require(try cache.load(size.digest(noise)).record.arguments.first?.value.digest)
        #expect(try store.objects.header(argument)?.codec == .raw)
        let path = store.objects.path(of: argument)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        for index in (bytes.count - 3_000)..<bytes.count { bytes[index] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try again(noise) == 20_000)
        #expect(try StoreVerifier(store: store).run().isClean)
        #expect(FileManager.default.fileExists(atPath: directory.sub("store/lost+found/objects/\(argument.hex)")))
    }

    @Test("a damaged result object on the hit path is set aside and computed again; a file replaced meanwhile is left in place")
    func hitPathHeals() throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.sub("store"))
        let cache = Cache(store: store)
        let runs = Counter()
        let f = memoize("rows", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> [Int] in
            runs.increment()
            return Array(repeating: n, count: 1_000)
        }
        #expect(try f(3) == Array(repeating: 3, count: 1_000))
        let result = try #require(try cache.load(f.digest(3)).record.result?.digest)
        try Damage.cutInHalf.apply(to: store.objects.path(of: result))
        // Reading it directly is still an error that names it: only the hit path heals.
        expectFlecheError("corruptObject") { _ = try cache.loadValue(result) }
        #expect(try f(3) == Array(repeating: 3, count: 1_000))
        #expect(runs.value == 2)
        #expect(try f(3) == Array(repeating: 3, count: 1_000))
        #expect(runs.value == 2)
        #expect(try StoreVerifier(store: store).run().isClean)

        // A file replaced by a whole one since it was read is left in place.
        let manifest = store.calls.path(of: try f.digest(3))
        try Damage.emptied.apply(to: manifest)
        let damage = FlecheError.corruptManifest(key: try f.digest(3), path: manifest, reason: "test")
        try cache.evict(f.digest(3))
        _ = try f(3)
        #expect(store.setAside(damage: damage) == nil)
        #expect(try cache.contains(f.digest(3)))
    }
}
