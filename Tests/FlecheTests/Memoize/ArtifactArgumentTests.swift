import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
import FlecheSystem

/// Files and directories as arguments: keyed by content (never by path or time), read once
/// and then known from the stat cache while they do not change.
@Suite("File and directory arguments")
struct ArtifactArgumentTests {
    /// A directory, a stat cache of its own that trusts files 50 ms old, and a store.
    struct Setup {
        let directory: TemporaryDirectory
        let digests: FileDigestCache
        let cache: Cache

        init(algorithm: DigestAlgorithm = .sha256) throws {
            directory = try TemporaryDirectory()
            digests = FileDigestCache(file: directory.sub("file-digests"), settleTime: 0.05)
            cache = try Cache(root: directory.sub("store"), algorithm: algorithm)
        }

        func write(_ text: String, to name: String) throws {
            let path = directory.sub(name)
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }

        /// Runs `body` with this setup's stat cache in effect.
        func withDigests<R>(_ body: () throws -> R) rethrows -> R {
            try FileDigestCache.$current.withValue(digests, operation: body)
        }
    }

    /// Waits until files just written are older than the stat cache's settle time, so that
    /// their entries are trusted.
    func settle() { Thread.sleep(forTimeInterval: 0.1) }

    @Test("a file argument: unchanged hits without a read, one edited byte misses, a touch re-reads and hits")
    func fileArgument() throws {
        let setup = try Setup()
        try setup.write("alpha,beta\n1,2\n", to: "data.csv")
        settle()
        let runs = Counter()
        let lines = memoize("lines", arguments: ["table"], metadata: [], cache: setup.cache) { (table: FileArtifact) -> Int in
            runs.increment()
            return try String(contentsOfFile: table.path!, encoding: .utf8).split(separator: "\n").count
        }
        let path = setup.directory.sub("data.csv")
        try setup.withDigests { () throws in
            #expect(try lines(FileArtifact(path)) == 2)
            #expect(setup.digests.counters.hashedFiles == 1)
            #expect(try lines(FileArtifact(path)) == 2)
            #expect(runs.value == 1)
            // The second call knew the file from its identity: no byte read.
            #expect(setup.digests.counters == .init(reused: 1, hashedFiles: 1, hashedBytes: 15))

            // Same size, one byte changed: a miss.
            try setup.write("alpha,beta\n1,3\n", to: "data.csv")
            settle()
            #expect(try lines(FileArtifact(path)) == 2)
            #expect(runs.value == 2)
            #expect(setup.digests.counters.hashedFiles == 2)

            // A touch changes the times, not the content: read again, and a hit.
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: path)
            settle()
            #expect(try lines(FileArtifact(path)) == 2)
            #expect(runs.value == 2)
            #expect(setup.digests.counters.hashedFiles == 3)
            // Settled again: known from its identity.
            #expect(try lines(FileArtifact(path)) == 2)
            #expect(setup.digests.counters.hashedFiles == 3)
            #expect(runs.value == 2)
        }
    }

    @Test("the same content under another name, the executable bit, and what the store records")
    func contentNotPath() throws {
        let setup = try Setup(algorithm: .xxh3)
        let content = String(repeating: "0123456789", count: 100)
        try setup.write(content, to: "a/model.bin")
        try setup.write(content, to: "b/copy-of-model.bin")
        settle()
        let runs = Counter()
        let size = memoize("size", arguments: ["file"], metadata: [], cache: setup.cache) { (file: FileArtifact) -> Int64 in
            runs.increment()
            return Int64(try Data(contentsOf: URL(fileURLWithPath: file.path!)).count)
        }
        try setup.withDigests { () throws in
            #expect(try size(FileArtifact(setup.directory.sub("a/model.bin"))) == 1000)
            #expect(try size(FileArtifact(setup.directory.sub("b/copy-of-model.bin"))) == 1000)
            #expect(runs.value == 1)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: setup.directory.sub("b/copy-of-model.bin"))
            #expect(try size(FileArtifact(setup.directory.sub("b/copy-of-model.bin"))) == 1000)
            #expect(runs.value == 2)

            // The stored argument: the content's digest under the store's algorithm (the
            // digest `Value.bytes` of the content has), its size, no path.
            let key = try size.digest(FileArtifact(setup.directory.sub("a/model.bin")))
            let record = try setup.cache.load(key).record
            let stored = try #require(record.arguments.first?.value.inline)
            let decoded = try ValueDecoder().decode(FileArtifact.self, from: stored)
            // A query by the artifact finds the call when it digests under the store's algorithm.
            let copy = FileArtifact(setup.directory.sub("b/copy-of-model.bin"))
            let original = FileArtifact(setup.directory.sub("a/model.bin"))
            #expect(try setup.cache.query(name: "size", arguments: ["file": .equals(original, contentAlgorithm: .xxh3)]).count() == 1)
            #expect(try setup.cache.query(name: "size", arguments: ["file": .equals(original)]).count() == 0)
            #expect(try setup.cache.query(name: "size", arguments: ["file": .equals(copy, contentAlgorithm: .xxh3)]).count() == 1)
            #expect(decoded.path == nil)
            #expect(decoded.content == Value.bytes(Data(content.utf8)).digest(using: .xxh3))
            #expect(decoded.size == 1000)
            #expect(decoded.isExecutable == false)
        }
    }

    @Test("a directory argument: a copy elsewhere hits; an edited, renamed or added entry misses; an unchanged tree is not read")
    func directoryArgument() throws {
        let setup = try Setup()
        for index in 0..<20 { try setup.write("row \(index)\n", to: "in/part-\(index).csv") }
        try setup.write("header\n", to: "in/meta/schema.txt")
        settle()
        let runs = Counter()
        let count = memoize("count", arguments: ["folder"], metadata: [], cache: setup.cache) { (folder: DirectoryArtifact) -> Int in
            runs.increment()
            return try FileManager.default.subpathsOfDirectory(atPath: folder.path!).count
        }
        let input = setup.directory.sub("in")
        try setup.withDigests { () throws in
            #expect(try count(DirectoryArtifact(input)) == 22)
            #expect(setup.digests.counters.hashedFiles == 21)
            #expect(try count(DirectoryArtifact(input)) == 22)
            #expect(runs.value == 1)
            #expect(setup.digests.counters.hashedFiles == 21)
            #expect(setup.digests.counters.reused == 21)

            // A copy of the tree elsewhere: the same argument.
            try FileManager.default.copyItem(atPath: input, toPath: setup.directory.sub("copy"))
            settle()
            #expect(try count(DirectoryArtifact(setup.directory.sub("copy"))) == 22)
            #expect(runs.value == 1)

            // One file edited: a miss, and only that file is read again.
            let before = setup.digests.counters.hashedFiles
            try setup.write("row 7, edited\n", to: "in/part-7.csv")
            settle()
            #expect(try count(DirectoryArtifact(input)) == 22)
            #expect(runs.value == 2)
            #expect(setup.digests.counters.hashedFiles == before + 1)

            // Renamed: same contents, another tree.
            try FileManager.default.moveItem(atPath: input + "/part-3.csv", toPath: input + "/part-3-renamed.csv")
            #expect(try count(DirectoryArtifact(input)) == 22)
            #expect(runs.value == 3)

            // An empty directory added: another tree too.
            try FileManager.default.createDirectory(atPath: input + "/empty", withIntermediateDirectories: false)
            #expect(try count(DirectoryArtifact(input)) == 23)
            #expect(runs.value == 4)
            let described = try DirectoryArtifact(input).described(cache: setup.digests)
            #expect(described.emptyDirectories == ["empty"])
            #expect(described.files?.count == 21)
            #expect(described.files?["meta/schema.txt"] == Value.bytes(Data("header\n".utf8)).digest(using: .sha256))
        }
    }

    @Test("what cannot be an artifact is a clear error, and the call runs uncached")
    func refusals() throws {
        let setup = try Setup()
        try setup.write("x", to: "tree/file.txt")
        try FileManager.default.createSymbolicLink(atPath: setup.directory.sub("tree/link"), withDestinationPath: "file.txt")
        let encoder = ValueEncoder()
        try setup.withDigests { () throws in
            #expect(throws: FlecheError.invalidArtifact(path: setup.directory.sub("missing.txt"), reason: "no such file")) {
                try encoder.encode(FileArtifact(setup.directory.sub("missing.txt")))
            }
            #expect(throws: FlecheError.invalidArtifact(
                path: setup.directory.sub("tree"), reason: "is a directory: pass it as a DirectoryArtifact"
            )) { try encoder.encode(FileArtifact(setup.directory.sub("tree"))) }
            #expect {
                try encoder.encode(DirectoryArtifact(setup.directory.sub("tree")))
            } throws: { error in
                guard case FlecheError.invalidArtifact(let path, let reason) = error else { return false }
                return path == setup.directory.sub("tree/link") && reason.hasPrefix("is a symbolic link")
            }
            // A symbolic link given as the file itself is followed.
            #expect(try encoder.encode(FileArtifact(setup.directory.sub("tree/link")))
                == encoder.encode(FileArtifact(setup.directory.sub("tree/file.txt"))))
            let runs = Counter()
            let f = memoize("f", arguments: ["tree"], metadata: [], cache: setup.cache) { (tree: DirectoryArtifact) -> Int in
                runs.increment()
                return 1
            }
            #expect(try f(DirectoryArtifact(setup.directory.sub("tree"))) == 1)
            #expect(try f(DirectoryArtifact(setup.directory.sub("tree"))) == 1)
            #expect(runs.value == 2)
            #expect(try setup.cache.query().count() == 0)
        }
    }
    @Test("the README's artifacts example runs as written")
    func readmeExample() throws {
        let setup = try Setup()
        try setup.write("region,units,price,total\nnorth,2,3.5,7\nsouth,1,2,2\n", to: "data/sales/2025.csv")
        try setup.write("region,units,price,total\nnorth,4,1,4\n", to: "data/sales/2026.csv")
        try setup.write("not a table", to: "data/sales/README.txt")
        settle()
        let runs = Counter()
        let folder = setup.directory.sub("data/sales")
        try setup.withDigests { () throws in
            try withCache(setup.cache) { () throws in
                let totals = memoize("column-totals", arguments: ["folder", "column"]) {
                    (folder: DirectoryArtifact, column: Int) -> [String: Double] in
                    runs.increment()
                    var totals: [String: Double] = [:]
                    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path!) where name.hasSuffix(".csv") {
                        let text = try String(contentsOfFile: folder.path! + "/" + name, encoding: .utf8)
                        for line in text.split(separator: "\n").dropFirst() {
                            let fields = line.split(separator: ",")
                            if column < fields.count, let x = Double(fields[column]) { totals[name, default: 0] += x }
                        }
                    }
                    return totals
                }
                let sums = try totals(DirectoryArtifact(folder), 3)
                let again = try totals(DirectoryArtifact(folder), 3)
                #expect(sums == ["2025.csv": 9, "2026.csv": 4] && again == sums)
                #expect(runs.value == 1)
                #expect(setup.digests.counters.hashedFiles == 3 && setup.digests.counters.reused == 3)
            }
        }
    }
}
