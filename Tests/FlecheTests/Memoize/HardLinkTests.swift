import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore

/// Results written out as hard links to read-only copies kept in the store's `links/`.
@Suite("Hard-linked results")
struct HardLinkTests {
    static func attributes(_ path: String) throws -> (inode: Int, links: Int, permissions: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (
            attributes[.systemFileNumber] as? Int ?? -1, attributes[.referenceCount] as? Int ?? -1,
            attributes[.posixPermissions] as? Int ?? -1)
    }

    @Test("a tree written out as hard links: the stored bytes, read-only (executables too), one inode per content for every destination; gc removes the copies with their call")
    func linkedTree() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = try #require(cache.fileStore)
        let runs = Counter()
        let big = ArtifactResultTests.noise(6 << 20, seed: 8)
        let build = memoize("build", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> DirectoryArtifact in
            runs.increment()
            let out = directory.sub("build-\(n)")
            try ArtifactResultTests.write(Data("same\n".utf8), to: out + "/a.txt")
            try ArtifactResultTests.write(Data("same\n".utf8), to: out + "/b/a.txt")
            try ArtifactResultTests.write(Data("#!/bin/sh\n".utf8), to: out + "/run.sh", executable: true)
            try ArtifactResultTests.write(big, to: out + "/big.bin")
            return DirectoryArtifact(out)
        }
        _ = try build(1)
        let stored = try build(1)
        #expect(runs.value == 1)
        for destination in ["one", "two"] {
            try stored.write(to: directory.sub(destination), mode: .hardLink)
            #expect(ArtifactResultTests.tree(directory.sub(destination)) == ArtifactResultTests.tree(directory.sub("build-1")))
        }
        let one = try Self.attributes(directory.sub("one/a.txt"))
        #expect(one.permissions == 0o444)
        // a.txt and b/a.txt in both trees, and the copy in links/: one inode.
        #expect(one.links == 5)
        #expect(try Self.attributes(directory.sub("two/b/a.txt")).inode == one.inode)
        #expect(try Self.attributes(directory.sub("one/run.sh")).permissions == 0o555)
        // The 6 MiB file is stored in chunks; its copy in links/ is the whole file.
        #expect(try Self.attributes(directory.sub("two/big.bin")).links == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/links").count == 3)

        try cache.evict(try #require(try cache.callKeys().first))
        let report = try cache.gc(gracePeriod: 0)
        #expect(report.removedLinkSources == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/links").isEmpty)
        // What was written out stays.
        #expect(FileManager.default.contents(atPath: directory.sub("one/big.bin")) == big)
    }

    @Test("a linked file changed in place is noticed: the next write-out links a fresh copy of the stored bytes")
    func changedInPlace() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let content = ArtifactResultTests.noise(100_000, seed: 2)
        let make = memoize("make", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> FileArtifact in
            try ArtifactResultTests.write(content, to: directory.sub("made"))
            return FileArtifact(directory.sub("made"))
        }
        let stored = try make(1)
        try stored.write(to: directory.sub("first"), mode: .hardLink)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.sub("first"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.sub("first")))
        try handle.write(contentsOf: Data("changed".utf8))
        try handle.close()
        try make(1).write(to: directory.sub("second"), mode: .hardLink)
        #expect(FileManager.default.contents(atPath: directory.sub("second")) == content)
        #expect(try Self.attributes(directory.sub("second")).inode != (try Self.attributes(directory.sub("first")).inode))
        #expect(try Self.attributes(directory.sub("second")).links == 2)
    }

    @Test("a destination on another file system (tmpfs) gets a copy")
    func otherFileSystem() throws {
        let directory = try TemporaryDirectory()
        let elsewhere = "/dev/shm/fleche-hardlink-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try #require(FileManager.default.fileExists(atPath: "/dev/shm"))
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        let cache = try Cache(root: directory.sub("store"))
        let content = ArtifactResultTests.noise(50_000, seed: 3)
        let make = memoize("make", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> FileArtifact in
            try ArtifactResultTests.write(content, to: directory.sub("made"))
            return FileArtifact(directory.sub("made"))
        }
        try make(1).write(to: elsewhere + "/out.bin", mode: .hardLink)
        #expect(FileManager.default.contents(atPath: elsewhere + "/out.bin") == content)
        #expect(try Self.attributes(elsewhere + "/out.bin").links == 1)
    }
}
