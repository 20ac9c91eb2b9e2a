import Fleche
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// A store in a real S3 server (SeaweedFS on loopback, requests signed and checked): the
/// cache operations, damage, bad credentials and a missing bucket.
@Suite("S3 store")
struct S3StoreTests {
    @Test("a memoized function misses once, then hits, in this store and in another opened on it")
    func memoizeThroughS3() throws {
        let server = try SeaweedServer.shared()
        let location = try server.freshLocation()
        let runs = Runs()
        func square(_ cache: Cache) -> Memoized<Int, [Int]> {
            memoize("square", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in
                runs.add()
                return (0..<n).map { $0 * $0 }
            }
        }
        let first = try S3Store(location: location, credentials: server.credentials)
        #expect(try square(first.cache)(2_000) == (0..<2_000).map { $0 * $0 })  // a result too large to inline
        #expect(try square(first.cache)(2_000).count == 2_000)
        #expect(try square(first.cache)(3) == [0, 1, 4])
        #expect(runs.value == 2)
        let second = try S3Store(location: location, credentials: server.credentials, create: false)
        #expect(second.format == first.format)
        #expect(try square(second.cache)(2_000).last == 1_999 * 1_999)
        #expect(runs.value == 2)
        #expect(try second.cache.callKeys().count == 2)
    }

    @Test("keys: contains, evict, expand and shrink by prefix, listing both folders")
    func keyOperations() throws {
        let server = try SeaweedServer.shared()
        let cache = try server.freshStore().cache
        let f = memoize("f", arguments: ["x"], metadata: [], cache: cache) { (x: Int) in [String](repeating: "v\(x)", count: 100) }
        for x in 0..<20 { _ = try f(x) }
        let calls = try cache.callKeys()
        #expect(calls.count == 20)
        let key = calls[0]
        #expect(try cache.contains(key))
        #expect(try cache.expand(String(key.hex.prefix(12))) == key)
        let short = try cache.shrink(key)
        #expect(short.count >= 4 && key.hex.hasPrefix(short))
        #expect(try cache.expand(short) == key)
        #expect { try cache.expand("0") } throws: { "\($0)".contains("too short") }
        let objects = try cache.keys(withPrefix: "")
        #expect(objects.count == 40)  // 20 manifests and 20 result objects
        #expect(try cache.evict(key))
        #expect(try !cache.evict(key))
        #expect(try !cache.contains(key))
        #expect(try cache.callKeys().count == 19)
    }

    @Test("queries and tables read manifests from S3")
    func queriesAndTables() throws {
        let server = try SeaweedServer.shared()
        let cache = try server.freshStore().cache
        let add = memoize("add", arguments: ["a", "b"], metadata: [], cache: cache) { (a: Int, b: Int) in a + b }
        for a in 0..<30 { _ = try add(a, 1) }
        #expect(try cache.query(name: "add").count() == 30)
        #expect(try cache.query(name: "add", arguments: ["a": try .equals(7)]).only().result(as: Int.self) == 8)
        let table = try cache.table(arguments: ["a"], results: true)
        #expect(table.rows.count == 30)
    }

    @Test("a nested value is split into objects as in a file store, and read back whole")
    func destructuredValues() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let shared = (0..<300).map { "row \($0)" }
        let value = try ValueEncoder().encode(["a": shared, "b": shared, "c": ["x"]])
        let key = value.digest(using: .sha256)
        try store.objects.save(value, key: key)
        #expect(try store.objects.keys().count == 3)  // the top, `shared` once, ["x"]
        #expect(try store.objects.load(key) == value)
    }

    @Test("a damaged manifest is a miss, and the call's next save mends it")
    func damagedManifest() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let runs = Runs()
        let f = memoize("f", arguments: ["x"], metadata: [], cache: store.cache) { (x: Int) in
            runs.add()
            return x * 2
        }
        #expect(try f(21) == 42)
        let key = try f.digest(21)
        try store.client.put(store.location.key("calls/\(key.hex.prefix(2))/\(key.hex.dropFirst(2))"), Array("{\"fleche_call\": 1, \"na".utf8))
        #expect { try store.calls.load(key) } throws: { "\($0)".contains("s3://") }
        #expect(try f(21) == 42)
        #expect(runs.value == 2)
        #expect(try store.calls.load(key).name == "f")
        #expect(try f(21) == 42)
        #expect(runs.value == 2)
    }

    @Test("a wrong secret is refused with a message naming the key and what to check")
    func wrongCredentials() throws {
        let server = try SeaweedServer.shared()
        let location = try server.freshLocation()
        #expect {
            try S3Store(location: location, credentials: S3Credentials(accessKeyID: server.credentials.accessKeyID, secretAccessKey: "wrong"))
        } throws: { error in
            let text = "\(error)"
            return error is S3Error && text.contains("HTTP 403") && text.contains("s3://fleche-tests/") && text.contains("check the credentials")
        }
    }

    @Test("a missing bucket is an error, not a miss")
    func missingBucket() throws {
        let server = try SeaweedServer.shared()
        let location = try S3Location(endpoint: server.endpoint, bucket: "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())")
        #expect { try S3Store(location: location, credentials: server.credentials) } throws: { "\($0)".contains("NoSuchBucket") }
    }

    @Test("an endpoint nobody listens on fails after the retries, naming the key")
    func unreachable() throws {
        let location = try S3Location(endpoint: "http://127.0.0.1:9", bucket: "team", prefix: "p")
        let started = ContinuousClock.now
        #expect {
            try S3Store(
                location: location, credentials: S3Credentials(accessKeyID: "k", secretAccessKey: "s"),
                retry: S3RetryPolicy(attempts: 3, firstDelay: .milliseconds(50)))
        } throws: { error in
            let text = "\(error)"
            return text.contains("s3://team/p/FORMAT") && text.contains("after 3 attempts") && text.contains("reachable")
        }
        #expect(ContinuousClock.now - started >= .milliseconds(150))  // two waits of at least 50 and 100 ms
    }
}
