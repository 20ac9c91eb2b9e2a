import Foundation
import Testing
@testable import Fleche
@testable import FlecheSharing
@testable import FlecheStore

/// Push and pull through a real rsync daemon and a real sshd, each on loopback and started by
/// the test (the two-host tests run the same operations across network namespaces).
@Suite("push and pull through an rsync daemon and over ssh", needsRsync)
struct RemoteSharingTests {
    @Test("rsync://: push creates the store under the module, a second push sends nothing, a pull brings every call")
    func daemon() throws {
        let directory = try TemporaryDirectory()
        let daemon = try RsyncDaemon(in: directory)
        defer { daemon.stop() }
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<4)
        let address = daemon.address("team/store")

        let dry = try source.cache.push(to: address, dryRun: true)
        #expect(dry.calls.count == 8 && !FileManager.default.fileExists(atPath: daemon.moduleRoot + "/team"))
        let pushed = try source.cache.push(to: address)
        #expect(pushed.calls.count == 8 && pushed.objects == dry.objects && pushed.bytes > 0)
        let published = daemon.moduleRoot + "/team/store"
        #expect(storeFiles(published) == storeFiles(source.root))
        #expect(try StoreVerifier(store: FileStore(root: published, create: false)).run().isClean)
        let again = try source.cache.push(to: address)
        #expect(again.calls.isEmpty && again.objects == 0 && again.existingCalls == 8)

        let target = try SharedStoreFixture(root: directory.sub("b"))
        let pulled = try target.cache.pull(from: address, verify: true)
        #expect(pulled.calls.count == 8 && pulled.refused.isEmpty)
        #expect(try target.allHit(0..<4))
    }

    @Test("a daemon address with an unknown module is a clear error")
    func unknownModule() throws {
        let directory = try TemporaryDirectory()
        let daemon = try RsyncDaemon(in: directory)
        defer { daemon.stop() }
        let source = try SharedStoreFixture(root: directory.sub("a"))
        do {
            try source.cache.push(to: .daemon(url: "rsync://127.0.0.1:\(daemon.port)/nosuchmodule/x"))
            Issue.record("the push succeeded")
        } catch let error as SharingError {
            #expect("\(error)".contains("Unknown module 'nosuchmodule'"), "\(error)")
            #expect("\(error)".contains("exit status 5"), "\(error)")
        }
    }

    @Test("host:path over ssh: a two-way merge of divergent stores ends with every call a hit on both sides", needsSSHD)
    func sshMerge() throws {
        let directory = try TemporaryDirectory()
        let server = try SSHServer(in: directory)
        defer { server.stop() }
        var rsync = Rsync()
        rsync.remoteShell = server.remoteShell
        let here = try SharedStoreFixture(root: directory.sub("here"))
        let there = try SharedStoreFixture(root: directory.sub("there"))
        try here.fill(0..<4)
        try there.fill(2..<6)
        let address = StoreAddress.ssh(host: "127.0.0.1", path: there.root)

        let pushed = try here.cache.push(to: address, rsync: rsync)
        #expect(pushed.calls.count == 4 && pushed.existingCalls == 4)
        let pulled = try here.cache.pull(from: address, verify: true, rsync: rsync)
        #expect(pulled.calls.count == 4 && pulled.existingCalls == 8 && pulled.refused.isEmpty)
        #expect(try here.allHit(0..<6))
        #expect(try there.allHit(0..<6))
        #expect(try StoreVerifier(store: here.store).run().isClean)
        #expect(try StoreVerifier(store: there.store).run().isClean)
        #expect(storeFiles(here.root) == storeFiles(there.root))
    }

    @Test("host:path over ssh: a push creates a store at a new path; a pull from a path without one says so", needsSSHD)
    func sshNewStore() throws {
        let directory = try TemporaryDirectory()
        let server = try SSHServer(in: directory)
        defer { server.stop() }
        var rsync = Rsync()
        rsync.remoteShell = server.remoteShell
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<2)
        let pushed = try source.cache.push(to: .ssh(host: "127.0.0.1", path: directory.sub("new/store")), rsync: rsync)
        #expect(pushed.calls.count == 4)
        #expect(try SharedStoreFixture(root: directory.sub("new/store")).allHit(0..<2))
        let missing = StoreAddress.ssh(host: "127.0.0.1", path: directory.sub("nothing"))
        var pull = StorePull(into: directory.sub("b"), from: missing)
        pull.rsync = rsync
        #expect(throws: SharingError.notAStore(missing.description)) { try pull.run() }
    }

    @Test("an ssh host that does not answer is a clear error", needsSSHD)
    func sshRefused() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        var rsync = Rsync()
        rsync.remoteShell = "ssh -p \(try freeLoopbackPort()) -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=5"
        do {
            try source.cache.push(to: .ssh(host: "127.0.0.1", path: "/tmp/x"), rsync: rsync)
            Issue.record("the push succeeded")
        } catch let error as SharingError {
            #expect("\(error)".contains("Connection refused"), "\(error)")
        }
    }
}
