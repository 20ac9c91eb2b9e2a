import Fleche
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// Budgets on an S3 store: a hit renews its manifest's `LastModified`, and gc evicts the
/// least recently used calls first, then every call older than the age.
@Suite("S3 budgets")
struct S3BudgetTests {
    func series(_ cache: any BaseCache, _ runs: Runs) -> Memoized<Int, [Int]> {
        memoize("series", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in
            runs.add()
            return (0..<2_000).map { $0 * n }
        }
    }

    /// The manifest's `LastModified` of a call.
    func lastUse(_ s3: S3Store, _ key: Digest) throws -> Date {
        try #require(try s3.client.head(s3.calls.folder.key(key))?.lastModified)
    }

    @Test("a hit renews an old manifest's time, and a size budget evicts the least recently used call, whose value gc then removes")
    func leastRecentlyUsed() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        // A hit renews a manifest older than a second here (an hour by default).
        let calls = S3CallStorage(client: s3.client, algorithm: s3.format.algorithm, useRefreshInterval: 1)
        let cache = try Cache(values: s3.objects, calls: calls, inlineLimit: s3.format.inlineLimit)
        let runs = Runs()
        let f = series(cache, runs)
        for n in 1...3 { _ = try f(n) }
        let keys = try (1...3).map { try f.digest($0) }
        let stored = try lastUse(s3, keys[0])
        Thread.sleep(forTimeInterval: 2.5)
        _ = try f(1)  // a hit: call 1 is now the most recently used
        #expect(runs.value == 3)
        #expect(try lastUse(s3, keys[0]) > stored.addingTimeInterval(1))
        #expect(try lastUse(s3, keys[1]) < lastUse(s3, keys[0]))

        let size = try S3Inventory(objects: s3.objects, calls: s3.calls).statistics.bytesOnDisk
        let lost = try #require(try s3.calls.load(keys[1]).result?.digest)
        let budget = StoreBudget(maxSize: size - 1)
        let dry = try s3.objects.collectGarbage(calls: s3.calls, gracePeriod: 0, budget: budget, dryRun: true)
        #expect(dry.evicted == [keys[1]] && dry.sizeBefore == size && (dry.projectedSize ?? size) < size)
        #expect(try dry.removed == [lost] && s3.calls.contains(keys[1]))
        let report = try s3.objects.collectGarbage(calls: s3.calls, gracePeriod: 0, budget: budget, dryRun: false)
        #expect(report.evicted == [keys[1]] && report.removed == [lost])
        #expect(try !s3.calls.contains(keys[1]) && !s3.objects.contains(lost))
        #expect(try S3Inventory(objects: s3.objects, calls: s3.calls).statistics.bytesOnDisk == report.projectedSize)
        _ = try f(1)
        _ = try f(3)
        #expect(runs.value == 3)
        #expect(try s3.objects.verify(calls: s3.calls, repair: false).isClean)
    }

    @Test("an age budget evicts the calls not used within the age and keeps the rest")
    func maximumAge() throws {
        let server = try SeaweedServer.shared()
        let s3 = try server.freshStore()
        let runs = Runs()
        let f = series(s3.cache, runs)
        _ = try f(1)
        Thread.sleep(forTimeInterval: 3)
        _ = try f(2)
        let budget = StoreBudget(maxAge: 1.5)
        let dry = try s3.objects.collectGarbage(calls: s3.calls, gracePeriod: 3_600, budget: budget, dryRun: true)
        #expect(try dry.evicted == [f.digest(1)] && s3.calls.contains(f.digest(1)))
        let report = try s3.objects.collectGarbage(calls: s3.calls, gracePeriod: 3_600, budget: budget, dryRun: false)
        #expect(try report.evicted == [f.digest(1)])
        #expect(report.removed.isEmpty && report.keptYoung == 1)  // its value is within the grace period
        #expect(try !s3.calls.contains(f.digest(1)) && s3.calls.contains(f.digest(2)))
        _ = try f(2)
        #expect(runs.value == 2)
    }

    @Test("a budget in fleche.toml is what the cache's gc keeps to; auto_trim is refused on S3")
    func budgetFromFile() throws {
        let server = try SeaweedServer.shared()
        let location = try server.freshLocation()
        setenv("AWS_ACCESS_KEY_ID", server.credentials.accessKeyID, 1)
        setenv("AWS_SECRET_ACCESS_KEY", server.credentials.secretAccessKey, 1)
        S3Store.registerConfigurationTemplate()
        let folder = try temporaryFolder()
        func table(_ budget: String) -> String {
            """
            [team]
            template = "s3"
            endpoint = "\(server.endpoint)"
            bucket = "\(location.bucket)"
            prefix = "\(location.prefix)"
            budget = \(budget)
            """
        }
        let configuration = try FlecheConfiguration(text: table("{ max_age = \"2s\" }"), path: folder + "/fleche.toml")
        let cache = try #require(try configuration.cache(named: "team") as? Cache)
        let runs = Runs()
        let f = series(cache, runs)
        _ = try f(1)
        Thread.sleep(forTimeInterval: 3.5)
        _ = try f(2)
        let report = try cache.gc()
        #expect(try report.evicted == [f.digest(1)] && !cache.contains(f.digest(1)) && cache.contains(f.digest(2)))
        do {
            _ = try FlecheConfiguration(text: table("{ max_size = \"1G\", auto_trim = true }"), path: folder + "/fleche.toml").cache(named: "team")
            Issue.record("auto_trim on an S3 cache was accepted")
        } catch {
            #expect("\(error)".contains("budget auto_trim works on store directories"))
        }
    }
}
