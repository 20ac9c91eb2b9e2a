import Fleche
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// An S3 store and a store folder are the same files under the same names: the aws CLI
/// copies one into the other both ways and every call still hits; and a local store in
/// front of an S3 one back-fills.
@Suite("S3 and local stores together")
struct S3InteropTests {
    /// A function whose results are objects (not inline), nested lists split out.
    func table(_ cache: any BaseCache, _ runs: Runs) -> Memoized<Int, [[Int]]> {
        memoize("table", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in
            runs.add()
            return (0..<n).map { row in (0..<40).map { row * $0 } }
        }
    }

    @Test("`aws s3 sync` of a store folder's FORMAT, objects and calls to a bucket gives an S3 store where every call hits")
    func folderToBucket() throws {
        let server = try SeaweedServer.shared()
        let folder = try temporaryFolder() + "/store"
        let runs = Runs()
        let local = try Cache(root: folder)
        for n in 1...12 { _ = try table(local, runs)(n) }
        #expect(runs.value == 12)
        let location = try server.freshLocation()
        // What a store shares: FORMAT, objects/, calls/ (gc.lock, locks/, stats/ and tmp/ are
        // this machine's; an empty gc.lock also stalls this aws CLI against SeaweedFS for 60 s).
        let sync = try server.aws([
            "s3", "sync", "--only-show-errors", "--exclude", "*", "--include", "FORMAT", "--include", "objects/*",
            "--include", "calls/*", folder, "s3://\(location.bucket)/\(location.prefix)",
        ])
        #expect(sync.status == 0, "\(sync.output)")
        let remote = try S3Store(location: location, credentials: server.credentials, create: false).cache
        for n in 1...12 { #expect(try table(remote, runs)(n).count == n) }
        #expect(runs.value == 12)
        #expect(Set(try remote.callKeys()) == Set(try local.callKeys()))
    }

    @Test("`aws s3 sync` of an S3 store down to a folder gives a store where every call hits, byte for byte the same")
    func bucketToFolder() throws {
        let server = try SeaweedServer.shared()
        let store = try server.freshStore()
        let runs = Runs()
        for n in 1...12 { _ = try table(store.cache, runs)(n) }
        let folder = try temporaryFolder() + "/store"
        let sync = try server.aws(["s3", "sync", "--only-show-errors", "s3://\(store.location.bucket)/\(store.location.prefix)", folder])
        #expect(sync.status == 0, "\(sync.output)")
        let local = try Cache(root: folder)
        for n in 1...12 { #expect(try table(local, runs)(n).count == n) }
        #expect(runs.value == 12)

        // The same calls made in a fresh local store write the same object files.
        let fresh = try temporaryFolder() + "/fresh"
        let freshCache = try Cache(root: fresh)
        for n in 1...12 { _ = try table(freshCache, runs)(n) }
        let objects = try FileManager.default.subpathsOfDirectory(atPath: fresh + "/objects").filter { $0.count > 3 }.sorted()
        #expect(!objects.isEmpty)
        for object in objects {
            #expect(
                FileManager.default.contents(atPath: fresh + "/objects/" + object)
                    == FileManager.default.contents(atPath: folder + "/objects/" + object), "objects/\(object)")
        }
    }

    @Test("a push sends the calls the bucket lacks, objects before manifests, files as they are; again sends nothing")
    func push() throws {
        let server = try SeaweedServer.shared()
        let folder = try temporaryFolder() + "/store"
        let local = try Cache(root: folder)
        let runs = Runs()
        for n in 1...10 { _ = try table(local, runs)(n) }
        let broken = try table(local, runs).digest(10)
        let store = try #require(local.fileStore)
        let lost = try #require(try store.calls.load(broken).result?.digest)
        try FileManager.default.removeItem(atPath: store.objects.path(of: lost))  // call 10 cannot be published
        let s3 = try server.freshStore()
        let report = try S3Push(from: store, to: s3).run()
        #expect(report.calls.count == 9 && report.incompleteCalls == [broken])
        #expect(report.objects == (try s3.objects.keys().count) && report.bytes > 0)
        for n in 1...9 { #expect(try table(s3.cache, runs)(n).count == n) }
        #expect(runs.value == 10)
        for key in try s3.objects.keys() {
            #expect(try s3.client.get(s3.objects.folder.key(key)) == FileManager.default.contents(atPath: store.objects.path(of: key)).map(Array.init))
        }
        let again = try S3Push(from: store, to: s3).run()
        #expect(again.calls.isEmpty && again.objects == 0 && again.existingCalls == 9)
    }

    @Test("4 writer processes store overlapping calls through S3 at once: every result right, the store whole")
    func fourWriters() throws {
        let server = try SeaweedServer.shared()
        let location = try server.freshLocation()
        let worker = try builtExecutable("FlecheTestWorker")
        let environment = server.credentialVariables.merging(["FLECHE_WORKER_S3_ENDPOINT": server.endpoint]) { $1 }
        let target = "s3://\(location.bucket)/\(location.prefix)"
        let results = Locked([(status: Int32, output: String)]())
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            // Each writer checks every result it gets, hit or miss, and exits 1 on a wrong one.
            let result = (try? runProgram(worker, [target, String(index * 100), "150", "nested"], environment: environment))
                ?? (-1, "could not start")
            results.withLock { $0.append(result) }
        }
        for result in results.withLock({ $0 }) { #expect(result.status == 0, "\(result.output)") }
        let store = try S3Store(location: location, credentials: server.credentials, create: false)
        #expect(try store.calls.keys().count == 450)
        let report = try store.objects.verify(calls: store.calls, repair: false)
        #expect(report.isClean && report.checkedCalls == 450, "\(report.problems)")
    }

    @Test("a local store in front of an S3 store: hits back-fill the local one, new calls land there")
    func localInFrontOfS3() throws {
        let server = try SeaweedServer.shared()
        let shared = try server.freshStore()
        let runs = Runs()
        for n in 1...5 { _ = try table(shared.cache, runs)(n) }  // published by another machine
        let local = try Cache(root: try temporaryFolder() + "/store")
        let stack = try CacheStack([local, shared.cache])
        #expect(try table(stack, runs)(3).count == 3)
        #expect(runs.value == 5)
        let key = try table(stack, runs).digest(3)
        #expect(try local.contains(key))  // back-filled
        #expect(try table(local, runs)(3).count == 3)
        #expect(runs.value == 5)

        #expect(try table(stack, runs)(9).count == 9)  // a miss everywhere: lands locally only
        #expect(runs.value == 6)
        let new = try table(stack, runs).digest(9)
        #expect(try local.contains(new))
        #expect(try !shared.cache.contains(new))
        _ = try local.transfer(to: shared.cache)  // publishing: what `fleche push` to S3 will do
        #expect(try shared.cache.contains(new))
    }
}
