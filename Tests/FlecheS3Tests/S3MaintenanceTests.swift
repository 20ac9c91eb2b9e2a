import Fleche
import FlecheStore
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// gc and verify of an S3 store, against a real server.
@Suite("S3 gc and verify")
struct S3MaintenanceTests {
    /// A function whose result splits into objects: a shared list, and one of its own.
    func nested(_ cache: any BaseCache) -> Memoized<Int, [String: [String]]> {
        memoize("nested", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in Self.body(n) }
    }

    /// Lists of strings are containers, split out of the dictionary (lists of numbers are packed, and not).
    static func body(_ n: Int) -> [String: [String]] {
        ["shared": (0..<100).map { "s\($0)" }, "own": (n..<n + 100).map { "o\($0)" }]
    }

    @Test("gc keeps what calls reach (children too), keeps the young, removes the rest once old enough")
    func collects() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let cache = store.cache
        let f = nested(cache)
        for n in 0..<6 { _ = try f(n) }
        let objectsBefore = try store.objects.keys().count
        #expect(objectsBefore == 13)  // 6 tops, 6 own lists, 1 shared list
        #expect(try cache.evict(f.digest(0)))
        #expect(try cache.evict(f.digest(1)))

        let young = try cache.gc(gracePeriod: 3_600)
        #expect(young.removed.isEmpty)
        #expect(young.keptYoung == 4)
        #expect(young.reachableObjects == 9)

        Thread.sleep(forTimeInterval: 1.2)  // S3 times have whole seconds
        let dry = try cache.gc(gracePeriod: 0, dryRun: true)
        #expect(dry.removed.count == 4)
        #expect(try store.objects.keys().count == objectsBefore)
        let report = try cache.gc(gracePeriod: 0)
        #expect(report.removed.count == 4 && report.freedBytes > 0)
        #expect(try store.objects.keys().count == 9)
        let runs = Locked(0)
        let again = memoize("nested", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> [String: [String]] in
            runs.withLock { $0 += 1 }
            return Self.body(n)
        }
        for n in 2..<6 { #expect(try again(n)["own"]?.first == "o\(n)") }
        #expect(runs.withLock { $0 } == 0)
        #expect(try store.objects.verify(calls: store.calls, repair: false).isClean)
    }

    @Test("a call in flight (values put, manifest not yet) keeps its values through a gc within the grace")
    func callInFlight() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let value = try ValueEncoder().encode(Self.body(7))
        let key = value.digest(using: .sha256)
        try store.objects.save(value, key: key)
        let report = try store.cache.gc(gracePeriod: 60)
        #expect(report.removed.isEmpty && report.keptYoung == 3)
        #expect(try store.objects.load(key) == value)  // the manifest written now finds its values
    }

    @Test("gc beside a writer that stores and evicts calls loses nothing any call reaches")
    func besideAWriter() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let cache = store.cache
        let f = nested(cache)
        let stop = Locked(false)
        let removed = Locked(0)
        let collector = Thread {
            while !stop.withLock({ $0 }) {
                if let report = try? cache.gc(gracePeriod: 2) { removed.withLock { $0 += report.removed.count } }
            }
        }
        collector.start()
        let deadline = Date().addingTimeInterval(8)
        var n = 0
        while Date() < deadline {
            _ = try f(n)
            if n >= 5 { try cache.evict(f.digest(n - 5)) }  // its own list becomes garbage
            n += 1
        }
        stop.withLock { $0 = true }
        while !collector.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        let report = try store.objects.verify(calls: store.calls, repair: false)
        #expect(report.isClean, "\(report.problems)")
        #expect(report.checkedCalls == 5)
        #expect(removed.withLock { $0 } > 0, "gc removed nothing in \(n) calls: the test proves nothing")
    }

    @Test("verify names corrupt and misfiled manifests, missing and damaged objects; --repair moves them aside")
    func verifies() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let cache = store.cache
        let f = nested(cache)
        for n in 0..<5 { _ = try f(n) }
        #expect(try store.objects.verify(calls: store.calls, repair: false).isClean)
        let client = store.client
        let calls = store.calls.folder
        let objects = store.objects.folder
        try client.put(calls.key(f.digest(0)), Array("{\"fleche_call\": 1".utf8))  // corrupt
        let record1 = try store.calls.load(f.digest(1))
        try store.calls.save(record1, key: f.digest(4))  // misfiled over call 4
        let result2 = try #require(try store.calls.load(f.digest(2)).result?.digest)
        try client.delete(objects.key(result2))  // call 2 loses its result
        let result3 = try #require(try store.calls.load(f.digest(3)).result?.digest)
        let result1 = try #require(try store.calls.load(f.digest(1)).result?.digest)
        let other = try #require(try client.get(objects.key(result1)))
        try client.put(objects.key(result3), other)  // call 3's result holds call 1's bytes

        let report = try store.objects.verify(calls: store.calls, repair: false)
        let kinds = Set(report.problems.map(\.kind))
        #expect(kinds == [.corruptManifest, .misfiledManifest, .missingObject, .digestMismatch], "\(report.problems)")
        #expect(report.problems.allSatisfy { $0.path.hasPrefix("s3://\(store.location.bucket)/\(store.location.prefix)/") })

        let repaired = try store.objects.verify(calls: store.calls, repair: true)
        #expect(!repaired.moved.isEmpty)
        #expect(repaired.moved.contains { $0.contains("/lost+found/calls/") })
        #expect(try store.objects.verify(calls: store.calls, repair: false).isClean)
        // What was moved aside computes again; the misfiled manifest is filed under its key.
        #expect(try f(3)["own"]?.first == "o3")
        #expect(try f(2)["own"]?.first == "o2")
        #expect(try store.calls.contains(f.digest(1)))
    }
}
