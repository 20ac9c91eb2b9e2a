import Fleche
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// The S3 server killed (SIGKILL) and started again under a running program.
@Suite("S3 server outages")
struct S3OutageTests {
    static func list(_ n: Int) -> [String] { (0..<60).map { "\(n)-\($0)" } }

    @Test("killed mid-run: a stack answers from its local layer and computes the rest, then uses S3 again; nothing half-written shows")
    func killedAndRestarted() throws {
        let server = try SeaweedServer()  // its own: this test kills it
        defer { server.stop() }
        let location = try server.freshLocation()
        let retry = S3RetryPolicy(attempts: 2, firstDelay: .milliseconds(20), requestTimeout: .seconds(5), outagePause: .seconds(1))
        let s3 = try S3Store(location: location, credentials: server.credentials, retry: retry)
        let local = try Cache(root: try temporaryFolder() + "/store")
        let stack = try CacheStack([local, s3.cache])
        let runs = Locked(0)
        let f = memoize("list", arguments: ["n"], metadata: [], cache: stack) { (n: Int) -> [String] in
            runs.withLock { $0 += 1 }
            return Self.list(n)
        }
        let publish = memoize("list", arguments: ["n"], metadata: [], cache: s3.cache) { (n: Int) in Self.list(n) }
        for n in 0..<5 { _ = try publish(n) }
        #expect(try f(0) == Self.list(0))  // from S3, back-filled
        #expect(runs.withLock { $0 } == 0)

        // A publisher writing to S3 when the server dies: its saves fail, none half-done.
        let stop = Locked(false)
        let publisher = Thread {
            var n = 100
            while !stop.withLock({ $0 }) {
                _ = try? publish(n)
                n += 1
            }
        }
        publisher.start()
        Thread.sleep(forTimeInterval: 0.3)
        server.stop()

        #expect(try f(0) == Self.list(0))  // the local layer
        #expect(try f(1) == Self.list(1))  // only in S3, which is down: computed
        #expect(try f(9) == Self.list(9))  // new: computed, stored locally
        #expect(runs.withLock { $0 } == 2)
        #expect(try local.contains(f.digest(9)))
        stop.withLock { $0 = true }
        while !publisher.isFinished { Thread.sleep(forTimeInterval: 0.05) }

        try server.start()
        try server.waitUntilAnswering()
        Thread.sleep(forTimeInterval: 1.1)  // the client's pause after an outage
        #expect(try f(2) == Self.list(2))  // from S3 again
        #expect(runs.withLock { $0 } == 2)
        let report = try s3.objects.verify(calls: s3.calls, repair: false)
        #expect(report.isClean, "\(report.problems)")
        #expect(report.checkedCalls >= 5)
    }

    @Test("after an outage the client fails fast for a pause instead of retrying every request")
    func pausesAfterAnOutage() throws {
        let location = try S3Location(endpoint: "http://127.0.0.1:9", bucket: "team")
        let client = S3Client(
            location: location, credentials: S3Credentials(accessKeyID: "k", secretAccessKey: "s"),
            retry: S3RetryPolicy(attempts: 3, firstDelay: .milliseconds(200), outagePause: .seconds(30)))
        #expect { try client.get("a") } throws: { "\($0)".contains("after 3 attempts") }
        let started = ContinuousClock.now
        #expect { try client.get("b") } throws: { error in
            (error as? S3Error)?.attempts == 0 && "\(error)".contains("did not answer")
        }
        #expect(ContinuousClock.now - started < .milliseconds(200))  // no retry wait
    }
}
