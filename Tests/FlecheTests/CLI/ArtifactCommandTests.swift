import Foundation
import Testing
@testable import Fleche

/// `fleche cat --output` and `fleche show` on calls whose results are files and trees.
@Suite("fleche cat --output and show on artifacts")
struct ArtifactCommandTests {
    func fleche(_ arguments: [String]) throws -> ProcessResult { try run(try builtProduct("fleche"), arguments) }

    @Test("cat --output writes a directory result, a file result and bytes out; show names the files and sizes; other values are refused")
    func catAndShow() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.sub("store"))
        let store = ["--store", directory.sub("store")]
        let tree = memoize("tree", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> DirectoryArtifact in
            let out = directory.sub("tree-\(n)")
            try FileManager.default.createDirectory(atPath: out + "/sub", withIntermediateDirectories: true)
            try Data(repeating: 7, count: 5_000 * n).write(to: URL(fileURLWithPath: out + "/sub/a.bin"))
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: out + "/b.txt"))
            return DirectoryArtifact(out)
        }
        let file = memoize("file", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> FileArtifact in
            let out = directory.sub("file-\(n)")
            try Data(repeating: 1, count: n).write(to: URL(fileURLWithPath: out))
            return FileArtifact(out)
        }
        let bytes = memoize("bytes", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> Data in Data(repeating: 2, count: n) }
        let numbers = memoize("numbers", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> [Int] in Array(0..<n) }
        _ = try tree(2)
        _ = try file(3_000)
        _ = try bytes(1_000)
        _ = try numbers(3)
        func key(_ name: String) throws -> String {
            try #require(try cache.query(name: name).calls().first).key.hex
        }

        let treeOut = directory.sub("out/tree")
        let written = try fleche(["cat", try key("tree"), "--output", treeOut] + store)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(FileManager.default.contents(atPath: treeOut + "/sub/a.bin") == Data(repeating: 7, count: 10_000))
        #expect(FileManager.default.contents(atPath: treeOut + "/b.txt") == Data("hello\n".utf8))
        let fileOut = directory.sub("out/file.bin")
        #expect(try fleche(["cat", try key("file"), "--output", fileOut, "--copy"] + store).status == 0)
        #expect(FileManager.default.contents(atPath: fileOut) == Data(repeating: 1, count: 3_000))
        let linkedOut = directory.sub("out/linked.bin")
        #expect(try fleche(["cat", try key("file"), "--output", linkedOut, "--link"] + store).status == 0)
        #expect(FileManager.default.contents(atPath: linkedOut) == Data(repeating: 1, count: 3_000))
        #expect(try FileManager.default.attributesOfItem(atPath: linkedOut)[.referenceCount] as? Int == 2)
        #expect(try fleche(["cat", try key("file"), "--output", linkedOut, "--link", "--copy"] + store).status == 64)
        let bytesOut = directory.sub("out/bytes.bin")
        #expect(try fleche(["cat", try key("bytes"), "--output", bytesOut] + store).status == 0)
        #expect(FileManager.default.contents(atPath: bytesOut) == Data(repeating: 2, count: 1_000))

        let refused = try fleche(["cat", try key("numbers"), "--output", directory.sub("out/numbers")] + store)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not a file, a directory or bytes"))
        #expect(!FileManager.default.fileExists(atPath: directory.sub("out/numbers")))
        #expect(try fleche(["cat", try key("numbers"), "--copy"] + store).status == 64)

        let show = try fleche(["show", try key("tree")] + store)
        #expect(show.status == 0)
        #expect(show.stdout.contains("2 files, 9.8 KiB"), "\(show.stdout)")
        #expect(show.stdout.contains("sub/a.bin  9.8 KiB") && show.stdout.contains("b.txt  6 B"))
        let json = try JSON.parse(try fleche(["show", try key("file"), "--json"] + store).stdout)
        #expect(json["result"]?["files"]?.arrayValue?.first?["size"]?.int64Value == 3_000)
    }
}
