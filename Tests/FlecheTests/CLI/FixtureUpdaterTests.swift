import Foundation
import Testing
@testable import Fleche

@Suite("FixtureUpdater (swift package update-fixtures)")
struct FixtureUpdaterTests {
    /// A copy of the package's Fixtures folder in a temp directory.
    func fixturesCopy() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let source = URL(fileURLWithPath: packageDirectory).appendingPathComponent("Fixtures")
        try FileManager.default.removeItem(atPath: directory.path)
        try FileManager.default.copyItem(atPath: source.path, toPath: directory.path)
        return directory
    }

    @Test("fills new cases, refuses to change a recorded digest unless --bump-format")
    func refusesOverwrite() throws {
        let fixtures = try fixturesCopy()
        let updater = try builtProduct("FixtureUpdater")
        let file = fixtures.sub("digests/scalars.json")
        let original = try String(contentsOfFile: file, encoding: .utf8)
        #expect(try run(updater, [fixtures.path]).stdout.contains("filled 0"))

        // A new case gets its digests.
        try Data(#"{"calls": [{"name": "new-call", "call": {"name": "h", "arguments": [["x", 1]]}}]}"#.utf8)
            .write(to: URL(fileURLWithPath: fixtures.sub("digests/new.json")))
        #expect(try run(updater, [fixtures.path]).stdout.contains("filled 2"))
        let added = try JSON.parse(String(contentsOfFile: fixtures.sub("digests/new.json"), encoding: .utf8))
        #expect(added["calls"]?.arrayValue?.first?["sha256"]?.stringValue?.count == 64)

        // A recorded digest that differs is a format change: refused, file untouched.
        let tampered = original.replacingOccurrences(of: "\"sha256\": \"", with: "\"sha256\": \"0", options: [], range: original.range(of: "\"sha256\": \""))
        try tampered.write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try run(updater, [fixtures.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--bump-format"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == tampered)
        let bumped = try run(updater, [fixtures.path, "--bump-format"])
        #expect(bumped.status == 0)
        #expect(try JSON.parse(String(contentsOfFile: file, encoding: .utf8)) == JSON.parse(original))
    }

    @Test("the test generator refuses a fixture folder without cases")
    func generatorRefusesEmptyFixtures() throws {
        let empty = try TemporaryDirectory()
        for folder in ["digests", "objects", "manifests"] {
            try FileManager.default.createDirectory(atPath: empty.sub(folder), withIntermediateDirectories: true)
        }
        let output = empty.sub("Generated.swift")
        let result = try run(try builtProduct("FixtureGen"), [empty.path, output])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no digests (values) cases"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        // The real folder generates.
        let real = try run(try builtProduct("FixtureGen"), [packageDirectory + "/Fixtures", output])
        #expect(real.status == 0, "\(real.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("struct GeneratedFixtureTests"))
    }
}
