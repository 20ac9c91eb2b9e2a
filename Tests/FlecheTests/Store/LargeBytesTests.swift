import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore

/// Values of a megabyte or more loaded straight into their own buffer: raw and zlib
/// objects, `Data` and other values, damage noticed.
@Suite("Large values loaded without a copy")
struct LargeBytesTests {
    static func noise(_ count: Int) -> Data {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return Data((0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        })
    }

    @Test("raw and zlib Data, and a large compressible array, come back equal in a later process; the object is loaded by the large path")
    func roundTrips() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        let incompressible = Self.noise(3 << 20 | 5)
        let compressible = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 / 1000) })
        let numbers = (0..<400_000).map { Double($0 % 977) }
        func functions(_ cache: Cache) -> (Memoized<Int, Data>, Memoized<Int, [Double]>) {
            (memoize("data", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> Data in
                runs.increment()
                return i == 0 ? incompressible : compressible
            }, memoize("numbers", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> [Double] in
                runs.increment()
                return numbers
            })
        }
        let (data, doubles) = functions(try Cache(root: directory.sub("store")))
        _ = try data(0)
        _ = try data(1)
        _ = try doubles(0)
        let later = try Cache(root: directory.sub("store"))
        let (laterData, laterDoubles) = functions(later)
        #expect(try laterData(0) == incompressible)
        #expect(try laterData(1) == compressible)
        #expect(try laterDoubles(0) == numbers)
        #expect(runs.value == 3)
        let store = try #require(later.fileStore)
        // The incompressible Data was written from its own storage, byte for byte what the
        // format's encoder writes.
        let rawKey = Value.bytes(incompressible).digest(using: .sha256)
        #expect(FileManager.default.contents(atPath: store.objects.path(of: rawKey))
            == Data(ObjectFormat.encode(.bytes(incompressible), algorithm: .sha256).bytes))
        #expect(try store.objects.saveCountingBytes(.bytes(incompressible), key: rawKey) == 0)
        for key in try store.objects.keys() {
            let value = try #require(try store.objects.loadLargeBytes(key, path: store.objects.path(of: key)))
            #expect(value == (try store.objects.load(key)))
        }
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("a flipped byte or a cut in a large raw object, and a damaged zlib one, make the call a miss that stores it again")
    func damage() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let runs = Counter()
        let incompressible = Self.noise(2 << 20)
        let compressible = Data(repeating: 9, count: 2 << 20)
        let data = memoize("data", arguments: ["i"], metadata: [], cache: cache) { (i: Int) -> Data in
            runs.increment()
            return i == 0 ? incompressible : compressible
        }
        _ = try data(0)
        _ = try data(1)
        let raw = store.objects.path(of: Value.bytes(incompressible).digest(using: .sha256))
        let zlib = store.objects.path(of: Value.bytes(compressible).digest(using: .sha256))
        var bytes = try #require(FileManager.default.contents(atPath: raw))
        bytes[bytes.count - 100] ^= 1
        try bytes.write(to: URL(fileURLWithPath: raw))
        #expect(try data(0) == incompressible)
        #expect(runs.value == 3)
        bytes = try #require(FileManager.default.contents(atPath: raw))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: raw))
        #expect(try data(0) == incompressible)
        #expect(runs.value == 4)
        bytes = try #require(FileManager.default.contents(atPath: zlib))
        bytes[bytes.count - 20] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: zlib))
        #expect(try data(1) == compressible)
        #expect(runs.value == 5)
        #expect(try data(0) == incompressible && data(1) == compressible)
        #expect(runs.value == 5)
    }
}
