import Foundation
import Testing
@testable import Fleche

@Suite("fleche push and fleche pull", needsRsync)
struct SharingCommandTests {
    func fleche(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try run(try builtProduct("fleche"), arguments, environment: environment)
    }

    @Test("push, then pull with --verify and --name, report what moved; --json and --dry-run")
    func pushAndPull() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)

        let dry = try fleche(["push", directory.sub("team"), "--dry-run", "--json", "--store", source.root])
        #expect(dry.status == 0, "\(dry.stderr)")
        let dryReport = try JSON.parse(dry.stdout)
        #expect(dryReport["dry_run"] == .bool(true))
        #expect(!FileManager.default.fileExists(atPath: directory.sub("team")))

        let push = try fleche(["push", directory.sub("team"), "--store", source.root])
        #expect(push.status == 0, "\(push.stderr)")
        #expect(push.stdout.hasPrefix("sent 6 calls and "), "\(push.stdout)")
        #expect(push.stderr.isEmpty, "no progress display when stderr is not a terminal: \(push.stderr)")

        let pull = try fleche(["pull", directory.sub("team"), "--verify", "--name", "squares", "--json", "--store", directory.sub("b")])
        #expect(pull.status == 0, "\(pull.stderr)")
        let report = try JSON.parse(pull.stdout)
        guard case .array(let calls)? = report["calls"] else {
            Issue.record("no calls in \(pull.stdout)")
            return
        }
        #expect(calls.count == 3)
        #expect(report["refused"] == .array([]))
        let runs = Counter()
        let pulled = try SharedStoreFixture(root: directory.sub("b"))
        for i in 0..<3 { _ = try pulled.squares(runs)(i) }
        #expect(runs.value == 0)
    }

    @Test("a cache named in fleche.toml is an address: its store's directory")
    func namedCache() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<2)
        try """
            [team]
            template = "file"
            root = "team-store"
            """.write(toFile: directory.sub("fleche.toml"), atomically: true, encoding: .utf8)
        let push = try run(try builtProduct("fleche"), ["push", "team", "--store", source.root], environment: ["HOME": directory.path], in: directory.path)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(push.stdout.hasPrefix("sent 4 calls"), "\(push.stdout)")
        #expect(try SharedStoreFixture(root: directory.sub("team-store")).allHit(0..<2))
    }

    @Test("an address rsync would not understand is a usage error (exit 64) that says why", arguments: [
        (["push", "host:"], "give the store's path after 'host:'"),
        (["pull", "rsync://host"], "give the module"),
    ])
    func badAddresses(arguments: [String], message: String) throws {
        let directory = try TemporaryDirectory()
        let result = try fleche(arguments + ["--store", directory.sub("a")])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("a source that is not a store is one line and exit 1")
    func notAStore() throws {
        let directory = try TemporaryDirectory()
        let result = try fleche(["pull", "/nonexistent/fleche-store", "--store", directory.sub("a")])
        #expect(result.status == 1)
        #expect(result.stderr == "fleche: /nonexistent/fleche-store is not a Fleche store (it has no FORMAT); push to it to create one\n")
    }

    @Test("a missing rsync says how to install it")
    func missingRsync() throws {
        let directory = try TemporaryDirectory()
        _ = try SharedStoreFixture(root: directory.sub("a"))
        let result = try fleche(["push", directory.sub("b"), "--store", directory.sub("a")], environment: ["FLECHE_RSYNC": "/nonexistent/rsync"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("apt-get install rsync"), "\(result.stderr)")
    }
}
