import Foundation
import Testing
@testable import FlecheStore
import FlecheSystem
import FlecheValue

/// The stat cache of file artifacts: the digest it gives is `Value.bytes`'s, its entries
/// persist for a later process, a file too young to trust is read every time, and a damaged
/// or overgrown file of entries is survived.
@Suite("File digest cache")
struct FileDigestCacheTests {
    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func identity(of path: String) throws -> FileIdentity {
        guard case .regular(let identity, _)? = try FileSystem.kind(of: path) else { throw FlecheError.notFound(key: path) }
        return identity
    }

    @Test("a file read in pieces digests as Value.bytes of its content, under both algorithms")
    func digestRule() throws {
        let directory = try TemporaryDirectory()
        // Three pieces and a bit of the 1 MiB read buffer.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = directory.sub("blob")
        try write(bytes, to: path)
        let cache = FileDigestCache(file: nil)
        for algorithm in DigestAlgorithm.allCases {
            let digest = try cache.digest(ofFileAt: path, identity: identity(of: path), algorithm: algorithm)
            #expect(digest == Value.bytes(Data(bytes)).digest(using: algorithm))
        }
        var empty = BytesDigester(.sha256)
        #expect(empty.finalize() == Value.bytes(Data()).digest(using: .sha256))
    }

    @Test("entries persist: a second cache on the same file (a later process) reads nothing")
    func persistence() throws {
        let directory = try TemporaryDirectory()
        let path = directory.sub("input.txt")
        try write(Array("some content\n".utf8), to: path)
        Thread.sleep(forTimeInterval: 0.1)
        let file = directory.sub("state/file-digests")
        let first = FileDigestCache(file: file, settleTime: 0.05)
        let digest = try first.digest(ofFileAt: path, identity: identity(of: path), algorithm: .sha256)
        #expect(first.counters.hashedFiles == 1)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("v1 sha256 ") && text.hasSuffix(" \(digest.hex) \(path)\n"))

        let later = FileDigestCache(file: file, settleTime: 0.05)
        #expect(try later.digest(ofFileAt: path, identity: identity(of: path), algorithm: .sha256) == digest)
        #expect(later.counters == .init(reused: 1, hashedFiles: 0, hashedBytes: 0))
        // Another algorithm is another entry.
        _ = try later.digest(ofFileAt: path, identity: identity(of: path), algorithm: .xxh3)
        #expect(later.counters.hashedFiles == 1)
    }

    @Test("a file younger than the settle time is read on every use and never recorded")
    func racyFiles() throws {
        let directory = try TemporaryDirectory()
        let path = directory.sub("fresh.txt")
        try write(Array("just written".utf8), to: path)
        let file = directory.sub("file-digests")
        let cache = FileDigestCache(file: file, settleTime: 3600)
        for _ in 0..<3 { _ = try cache.digest(ofFileAt: path, identity: identity(of: path), algorithm: .sha256) }
        #expect(cache.counters.hashedFiles == 3)
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test("lines that do not parse are skipped; superseded lines are compacted away")
    func damagedAndOvergrown() throws {
        let directory = try TemporaryDirectory()
        let path = directory.sub("input.txt")
        try write(Array("content".utf8), to: path)
        Thread.sleep(forTimeInterval: 0.1)
        let file = directory.sub("file-digests")
        let digest = try FileDigestCache(file: file, settleTime: 0.05)
            .digest(ofFileAt: path, identity: identity(of: path), algorithm: .sha256)
        let good = try String(contentsOfFile: file, encoding: .utf8)
        let id = try identity(of: path)
        // 1,500 stale lines for the same file (older times), garbage, a torn last line.
        var stale = ""
        for age in 1...1_500 {
            stale += "v1 sha256 \(id.device) \(id.inode) \(id.size) \(id.modified - Int64(age)) \(id.changed) \(digest.hex) \(path)\n"
        }
        try (stale + "garbage line\nv1 sha256 1 2 3\n" + good + "v1 sha256 1 2").write(toFile: file, atomically: false, encoding: .utf8)

        let cache = FileDigestCache(file: file, settleTime: 0.05)
        #expect(try cache.digest(ofFileAt: path, identity: id, algorithm: .sha256) == digest)
        #expect(cache.counters == .init(reused: 1, hashedFiles: 0, hashedBytes: 0))
        // Rewritten with the one live entry.
        #expect(try String(contentsOfFile: file, encoding: .utf8) == good)
    }
    @Test("caches appending to one file at once (processes of one machine) leave every line whole")
    func concurrentAppends() throws {
        let directory = try TemporaryDirectory()
        let paths = (0..<400).map { directory.sub("input-\($0).txt") }
        for (index, path) in paths.enumerated() { try write(Array("content \(index)\n".utf8), to: path) }
        Thread.sleep(forTimeInterval: 0.1)
        let file = directory.sub("file-digests")
        let writers = (0..<4).map { _ in FileDigestCache(file: file, settleTime: 0.05) }
        let identities = try paths.map { try identity(of: $0) }
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: writers.count) { writer in
            for index in stride(from: writer, to: paths.count, by: writers.count) {
                do {
                    _ = try writers[writer].digest(ofFileAt: paths[index], identity: identities[index], algorithm: .sha256)
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == paths.count)
        #expect(lines.allSatisfy { $0.split(separator: " ").count == 9 })
        let reader = FileDigestCache(file: file, settleTime: 0.05)
        #expect(reader.knownDigests(of: identities, algorithm: .sha256).allSatisfy { $0 != nil })
        #expect(reader.counters == .init(reused: paths.count, hashedFiles: 0, hashedBytes: 0))
    }
}
