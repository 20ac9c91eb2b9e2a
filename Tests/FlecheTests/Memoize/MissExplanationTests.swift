import Foundation
import Testing
@testable import Fleche

/// `explainMiss` and `fleche why` name the key parts in which the nearest stored calls differ.
@Suite("Why a call misses")
struct MissExplanationTests {
    func digest(_ value: some Encodable) throws -> Digest { try ValueEncoder().encode(value).digest(using: .sha256) }

    @Test("a stored call, a new argument, a new version, a new code digest, renamed arguments, a function never run")
    func explanations() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let v1 = memoize("area", version: "1", arguments: ["w", "h"], metadata: [], cache: cache) { (w: Int, h: Int) in w * h }
        _ = try v1(3, 4)
        _ = try v1(5, 6)

        let hit = try v1.explainMiss(3, 4)
        #expect(hit.isStored && hit.nearest.isEmpty)
        #expect(hit.description.contains("is stored"))

        let newArgument = try v1.explainMiss(3, 5)
        #expect(!newArgument.isStored && newArgument.storedCallsOfFunction == 2)
        #expect(newArgument.nearest.first?.key == (try v1.digest(3, 4)))
        #expect(newArgument.nearest.first?.differences == [.argument(name: "h", stored: try digest(4), asked: try digest(5))])
        #expect(newArgument.nearest.count == 2 && newArgument.nearest[1].differences.count == 2)

        let v2 = memoize("area", version: "2", arguments: ["w", "h"], metadata: [], cache: cache) { (w: Int, h: Int) in w * h }
        #expect(try v2.explainMiss(3, 4).nearest.first?.differences == [.version(stored: "1", asked: "2")])

        let code = Digest(hex: String(repeating: "c0", count: 32))!
        let coded = memoize("area", version: "1", codeDigest: code, arguments: ["w", "h"], metadata: [], cache: cache) { (w: Int, h: Int) in w * h }
        #expect(try coded.explainMiss(3, 4).nearest.first?.differences == [.codeDigest(stored: nil, asked: code)])

        let renamed = memoize("area", version: "1", arguments: ["width", "h"], metadata: [], cache: cache) { (w: Int, h: Int) in w * h }
        #expect(try renamed.explainMiss(3, 4).nearest.first?.differences
            == [.argument(name: "width", stored: nil, asked: try digest(3)), .argument(name: "w", stored: try digest(3), asked: nil)])

        let never = memoize("volume", arguments: ["x"], metadata: [], cache: cache) { (x: Int) in x }
        let none = try never.explainMiss(1)
        #expect(none.storedCallsOfFunction == 0 && none.nearest.isEmpty)
        #expect(none.description.contains("no call of volume is"))
    }

    @Test("fleche why names the differing argument, and a version the command line left out")
    func commandLine() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let f = memoize("scale", module: nil, version: "1", arguments: ["x", "label"], metadata: [], cache: cache) {
            (x: Double, label: String) in "\(label): \(x * 2)"
        }
        _ = try f(1.5, "a")
        let fleche = try builtProduct("fleche")
        let stored = try run(fleche, ["why", "scale", "--version", "1", "--arg", "x=1.5", "--arg", "label=a", "--store", directory.path])
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout.contains("is stored"))
        let other = try run(fleche, ["why", "scale", "--version", "1", "--arg", "x=2.5", "--arg", "label=a", "--store", directory.path, "--json"])
        #expect(other.status == 0, "\(other.stderr)")
        let json = try JSON.parse(other.stdout)
        #expect(json["stored"] == .bool(false))
        let difference = json["nearest"]?.arrayValue?.first?["differences"]?.arrayValue
        #expect(difference?.count == 1)
        #expect(difference?.first?["name"] == .string("x"))
        let text = try run(fleche, ["why", "scale", "--arg", "x=1.5", "--arg", "label=a", "--store", directory.path])
        #expect(text.stdout.contains("version '1' stored, none now"), "\(text.stdout)")
        #expect(try run(fleche, ["why", "scale", "--code-digest", "xyz", "--store", directory.path]).status == 64)
    }
}
