import Foundation
import Testing
@testable import Fleche
@testable import FlecheSharing
@testable import FlecheStore

/// `fleche push` and `pull` between two hosts: network namespaces `a` and `b` joined by a
/// veth pair, an rsync daemon on b and an sshd on a, each host with its own store, every
/// command run as a real `fleche` process on its host (``TwoHosts`` falls back to loopback,
/// and says so, where namespaces are refused; CI requires them).
@Suite("two hosts: push and pull across a veth pair", .serialized, needsRsync, needsSSHD)
struct TwoHostSharingTests {
    /// The hosts, their servers and stores: a's at `a/`, b's under the daemon's module.
    struct Site {
        let directory: TemporaryDirectory
        let hosts: TwoHosts
        let daemon: RsyncDaemon
        let ssh: SSHServer
        let fleche: String
        var storeA: String { directory.sub("a") }
        var storeB: String { daemon.moduleRoot + "/store" }
        var daemonAddress: String { "rsync://\(daemon.host):\(daemon.port)/fleche/store" }
        var sshAddress: String { "\(ssh.host):\(storeA)" }

        init() throws {
            directory = try TemporaryDirectory()
            hosts = try TwoHosts()
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                #expect(hosts.isolated, "CI runs as root, so network namespaces must work: \(hosts.refusal ?? "")")
            }
            daemon = try RsyncDaemon(in: directory, hosts: hosts)
            ssh = try SSHServer(in: directory, hosts: hosts)
            fleche = try builtProduct("fleche")
        }

        func stop() {
            daemon.stop()
            ssh.stop()
            hosts.tearDown()
        }

        /// `fleche ARGUMENTS` on `host`, which must succeed.
        @discardableResult
        func fleche(on host: Character, _ arguments: [String], environment: [String: String] = [:],
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
            var environment = environment
            environment["RSYNC_RSH"] = ssh.remoteShell
            let result = try hosts.run(on: host, [fleche] + arguments, environment: environment)
            #expect(result.status == 0, "fleche \(arguments.joined(separator: " ")) on \(host): \(result.stderr)\(result.stdout.suffix(2_000))",
                    sourceLocation: sourceLocation)
            return result
        }
    }

    @Test("a two-way merge of divergent stores, over the daemon and over ssh, ends with every call a hit on both hosts")
    func merge() throws {
        let site = try Site()
        defer { site.stop() }
        let a = try SharedStoreFixture(root: site.storeA)
        let b = try SharedStoreFixture(root: site.storeB)
        try a.fill(0..<4)
        try b.fill(2..<6)

        let pushed = try JSON.parse(try site.fleche(on: "a", ["push", site.daemonAddress, "--json", "--store", site.storeA]).stdout)
        #expect(pushed["calls"]?.arrayValue?.count == 4)
        let pulled = try JSON.parse(try site.fleche(on: "a", ["pull", site.daemonAddress, "--verify", "--json", "--store", site.storeA]).stdout)
        #expect(pulled["calls"]?.arrayValue?.count == 4)
        // b over ssh to a: nothing left to move either way.
        let back = try JSON.parse(try site.fleche(on: "b", ["push", site.sshAddress, "--json", "--store", site.storeB]).stdout)
        #expect(back["calls"]?.arrayValue?.count == 0)
        let again = try JSON.parse(try site.fleche(on: "b", ["pull", site.sshAddress, "--verify", "--json", "--store", site.storeB]).stdout)
        #expect(again["calls"]?.arrayValue?.count == 0 && again["existing_calls"] == .int(12))

        #expect(try a.allHit(0..<6))
        #expect(try b.allHit(0..<6))
        try site.fleche(on: "a", ["verify", "--store", site.storeA])
        try site.fleche(on: "b", ["verify", "--store", site.storeB])
        #expect(storeFiles(site.storeA) == storeFiles(site.storeB))
    }

    @Test("gc --prune=now in a loop on the receiving host during a push loses nothing that arrived")
    func gcDuringPush() throws {
        let site = try Site()
        defer { site.stop() }
        let a = try SharedStoreFixture(root: site.storeA)
        try a.fill(0..<150)
        _ = try SharedStoreFixture(root: site.storeB)
        let stop = site.directory.sub("stop-gc"), rounds = site.directory.sub("gc-rounds")
        let finished = site.directory.sub("gc-finished")
        let loop = "while [ ! -e '\(stop)' ]; do '\(site.fleche)' gc --prune=now --store '\(site.storeB)' >/dev/null || exit 1; "
            + "echo >> '\(rounds)'; done; touch '\(finished)'"
        let gc = try DetachedServer(site.hosts.command(on: "b", ["/bin/sh", "-c", loop]), log: site.directory.sub("gc.log"))
        defer { gc.stop() }
        #expect(waitUntil(seconds: 30) { FileManager.default.fileExists(atPath: rounds) })
        try site.fleche(on: "a", ["push", site.daemonAddress, "--store", site.storeA])
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        #expect(waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: finished) }, "the gc loop failed or did not stop")
        let gcRounds = (try? String(contentsOfFile: rounds, encoding: .utf8).count) ?? 0
        #expect(gcRounds >= 2, "gc ran \(gcRounds) times during the push")
        try site.fleche(on: "b", ["verify", "--store", site.storeB])
        #expect(try SharedStoreFixture(root: site.storeB).allHit(0..<150))
    }

    @Test("a push killed with kill -9 half way leaves a store that verifies, and the next push completes it")
    func killedPush() throws {
        let site = try Site()
        defer { site.stop() }
        let a = try SharedStoreFixture(root: site.storeA)
        try a.fill(0..<200)
        _ = try SharedStoreFixture(root: site.storeB)
        // A slow rsync (100 KB/s), so that the push can be caught with its manifests half sent.
        let slow = site.directory.sub("slow-rsync")
        try "#!/bin/sh\nexec \(rsyncPath!) --bwlimit=100 \"$@\"\n".write(toFile: slow, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: slow)
        let push = try DetachedServer(
            site.hosts.command(on: "a", ["/usr/bin/env", "FLECHE_RSYNC=\(slow)", site.fleche, "push", site.daemonAddress, "--store", site.storeA]),
            log: site.directory.sub("push.log"))
        let calls = site.storeB + "/calls"
        let caught = waitUntil(seconds: 120) { filesUnder(calls).count >= 20 }
        push.kill()
        // rsync may sit in a process group of its own: it dies with the push too.
        _ = try? run("/usr/bin/env", ["pkill", "-9", "-f", "bwlimit=100"])
        #expect(caught, "the push never reached its manifests: \((try? String(contentsOfFile: site.directory.sub("push.log"), encoding: .utf8)) ?? "")")
        let arrived = filesUnder(calls).count
        #expect(arrived < 400, "the push finished before it was killed")
        try site.fleche(on: "b", ["verify", "--store", site.storeB])

        let rest = try JSON.parse(try site.fleche(on: "a", ["push", site.daemonAddress, "--json", "--store", site.storeA]).stdout)
        #expect(rest["existing_calls"]?.int64Value.map(Int.init) ?? -1 >= arrived - 1)
        try site.fleche(on: "b", ["verify", "--store", site.storeB])
        #expect(try SharedStoreFixture(root: site.storeB).allHit(0..<200))
    }

    @Test("a manifest tampered with on the sending host is a miss on a keyed receiver, and verify there names it")
    func tamperedIsAMiss() throws {
        let site = try Site()
        defer { site.stop() }
        let hex = String(repeating: "5a", count: 32)
        let keys = try SigningKeys(hex: hex, source: "test")
        let a = try SharedStoreFixture(root: site.storeA, signingKeys: keys)
        try a.fill(0..<3)
        let tampered = try a.tables().digest(1)
        let path = a.store.calls.path(of: tampered)
        let original = try a.store.calls.load(tampered).result!.digest.hex
        let other = try a.store.calls.load(try a.tables().digest(2)).result!.digest.hex
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: original, with: other)
            .write(toFile: path, atomically: true, encoding: .utf8)
        _ = try SharedStoreFixture(root: site.storeB, signingKeys: keys)

        try site.fleche(on: "a", ["push", site.daemonAddress, "--store", site.storeA])
        let verify = try site.hosts.run(on: "b", [site.fleche, "verify", "--store", site.storeB], environment: ["FLECHE_SECRET_KEY": hex])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("untrusted manifest \(tampered.hex)"), "\(verify.stdout)")
        let runs = Counter()
        let b = try SharedStoreFixture(root: site.storeB, signingKeys: keys)
        #expect(try b.tables(runs)(1) == SharedStoreFixture.table(1))
        #expect(runs.value == 1)
        #expect(try b.allHit(0..<3))
    }
}
