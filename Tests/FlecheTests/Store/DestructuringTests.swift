import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheValue

@Suite("Destructuring storage")
struct DestructuringTests {
    func list(_ items: Value...) -> Value { .array(items) }
    func dict(_ pairs: (String, Value)...) -> Value { .dictionary(pairs.map { .init(key: .string($0.0), value: $0.1) }) }

    func store(depth: Int?) throws -> (TemporaryDirectory, FileStore) {
        let directory = try TemporaryDirectory()
        return (directory, try FileStore(root: directory.path, destructureDepth: depth))
    }

    @Test("reference scenario 25: a nested value at depth 1 is 4 objects, keyed by its digest, and mends")
    func scenario25() throws {
        let (directory, store) = try store(depth: 1)
        defer { withExtendedLifetime(directory) {} }
        let inner = list(.int(2), .int(3))
        let mapping = dict(("a", list(.int(4))))
        let value = list(.int(1), inner, mapping, .string("s"), list())
        let key = value.digest(using: .sha256)
        try store.objects.save(value, key: key)
        #expect(try store.objects.keys().count == 4)
        #expect(try store.objects.load(key) == value)
        #expect(Set(try store.objects.childDigests(of: key)) == [inner.digest(using: .sha256), mapping.digest(using: .sha256)])
        #expect(try store.objects.load(mapping.digest(using: .sha256)) == mapping)
    }

    @Test("reference scenario 26: depths 0, 2 and 3 give 8, 2 and 1 objects; unsplit gives 1", arguments: [(0, 8), (2, 2), (3, 1), (nil, 1)] as [(Int?, Int)])
    func scenario26(depth: Int?, objects: Int) throws {
        let (directory, store) = try store(depth: depth)
        defer { withExtendedLifetime(directory) {} }
        let value = list(.int(1), list(.int(2), list(.int(3), .int(4))), .int(5))
        let key = value.digest(using: .sha256)
        try store.objects.save(value, key: key)
        #expect(try store.objects.keys().count == objects)
        #expect(try store.objects.load(key) == value)
    }

    @Test("reference scenario 27: shared sub-structures are stored once and counted")
    func scenario27() throws {
        let (directory, store) = try store(depth: 1)
        defer { withExtendedLifetime(directory) {} }
        let shared = list(.int(2), .int(3))
        let first = list(.int(1), shared, dict(("a", list(.int(4)))), .string("s"), list())
        let second = list(shared, .int(9))
        try store.objects.save(first, key: first.digest(using: .sha256))
        try store.objects.save(second, key: second.digest(using: .sha256))
        let reuses = try store.objects.countReuses()
        #expect(reuses[shared.digest(using: .sha256)] == 2)
        #expect(reuses[first.digest(using: .sha256)] == 0)
        #expect(reuses[second.digest(using: .sha256)] == 0)
        #expect(try store.objects.keys().count == 5)
    }

    @Test("Codable values with records, dictionaries and optionals round-trip through split objects")
    func codableValues() throws {
        let (directory, store) = try store(depth: 1)
        defer { withExtendedLifetime(directory) {} }
        let cache = Cache(store: store)
        let f = memoize("f", cache: cache) { (n: Int) -> [String: [Point?]] in
            ["a": [Point(x: 1, y: Double(n)), nil], "b": [], "c": (0..<20).map { Point(x: Double($0), y: 0) }]
        }
        let expected = try f(3)
        #expect(try f.load(3) == expected)
        #expect(try store.objects.keys().count > 20)  // every Point is its own object at depth 1
        #expect(try StoreVerifier(store: FileStore(root: directory.path)).run().isClean)
    }

    @Test("a missing child is a miss that heals on the next call")
    func missingChildHeals() throws {
        let (directory, store) = try store(depth: 1)
        defer { withExtendedLifetime(directory) {} }
        let cache = Cache(store: store)
        let runs = Counter()
        let f = memoize("f", cache: cache) { (n: Int) -> [[Int?]] in
            runs.increment()
            return (0..<10).map { Array(repeating: $0 + n, count: 20) }  // [Int?] is not packed: split out
        }
        _ = try f(1)
        let top = try #require(try cache.load(f.digest(1)).record.result?.digest)
        let child = try #require(try store.objects.childDigests(of: top).first)
        try FileManager.default.removeItem(atPath: store.objects.path(of: child))
        #expect(try f(1).count == 10)
        #expect(runs.value == 2)
        #expect(FileManager.default.fileExists(atPath: store.objects.path(of: child)))
        _ = try f(1)
        #expect(runs.value == 2)
    }
}
