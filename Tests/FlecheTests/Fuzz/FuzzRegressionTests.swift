import Foundation
import FuzzTargets
import Testing
@testable import FlecheConfig
@testable import FlecheStore
@testable import FlecheSystem
@testable import FlecheValue

/// The fuzzers' promises, kept by the normal suite: every committed seed and every input a
/// fuzzer (or a reader) once broke a decoder with goes through the same checks as in
/// `make fuzz`, and the decoders' answers to the worst of them are pinned here.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// The files of `Fuzz/<folder>/<target>/`.
    static func inputs(_ folder: String) -> [(target: String, file: String)] {
        FuzzTarget.all.flatMap { target in
            let directory = packageDirectory + "/Fuzz/\(folder)/\(target.name)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().map { (target.name, directory + "/" + $0) }
        }
    }

    @Test("every seed keeps every promise", arguments: inputs("Seeds").map { "\($0.target): \($0.file)" })
    func seeds(_ input: String) throws {
        try check(input)
    }

    @Test("every regression input keeps every promise", arguments: inputs("Regressions").map { "\($0.target): \($0.file)" })
    func regressions(_ input: String) throws {
        try check(input)
    }

    func check(_ input: String) throws {
        let parts = input.split(separator: ": ", maxSplits: 1).map(String.init)
        let target = try #require(FuzzTarget.all.first { $0.name == parts[0] })
        let bytes = try #require(FileManager.default.contents(atPath: parts[1]))
        try target.check(Array(bytes))
    }

    @Test("every target has seeds, and the regression folders name real targets")
    func corpora() throws {
        for target in FuzzTarget.all {
            #expect(Self.inputs("Seeds").contains { $0.target == target.name }, "no seeds for \(target.name)")
        }
        let folders = try FileManager.default.contentsOfDirectory(atPath: packageDirectory + "/Fuzz/Regressions")
        for folder in folders { #expect(FuzzTarget.all.contains { $0.name == folder }, "Fuzz/Regressions/\(folder)") }
    }

    func regression(_ path: String) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: packageDirectory + "/Fuzz/Regressions/" + path)))
    }

    @Test("a header claiming 2^62 children is a codec error, not an overflow trap")
    func childCountOverflow() throws {
        let bytes = try regression("object/child-count-overflow")
        #expect(ObjectFile.headerLength(prefix: bytes) == nil)
        #expect(throws: CodecError.self) { try ObjectFormat.children(bytes) }
        #expect(throws: CodecError.self) { try ObjectFormat.decode(bytes) }
    }

    @Test("a zlib object whose header says 1 TiB is refused before any buffer is sized from it")
    func zlibSizeBomb() throws {
        let error = try #require(throws: CodecError.self) { try ObjectFormat.decode(try regression("object/zlib-size-bomb")) }
        #expect(error.reason.contains("more than"))
    }

    @Test("reading a file's prefix with a huge limit allocates what the file holds")
    func hugePrefixLimit() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/small"
        try Data("twelve bytes".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try FileSystem.readPrefix(path, limit: Int(Int32.max)) == Array("twelve bytes".utf8))
        #expect(try FileSystem.readPrefix(path, limit: 6) == Array("twelve".utf8))
    }

    @Test("the hit path refuses a manifest without a name or an arguments list, as the full reader does", arguments: [
        #"{"fleche_call": 1, "arguments": [], "result": null}"#,
        #"{"fleche_call": 1, "name": 5, "arguments": [], "result": null}"#,
        #"{"fleche_call": 1, "name": "f", "result": null}"#,
        #"{"fleche_call": 1, "name": "f", "arguments": {}, "result": null}"#,
    ])
    func manifestEnvelope(_ text: String) {
        #expect(throws: (any Error).self) { try CallManifest.decodeResult(Array(text.utf8)) }
        #expect(throws: (any Error).self) { try CallManifest.decode(Array(text.utf8)) }
        #expect(throws: (any Error).self) { try CallManifest.decode(Array(text.utf8), members: ["result"]) }
    }

    @Test("a manifest naming an envelope member twice is refused by both readers; other members keep the last", arguments: [
        #"{"fleche_call": 1, "name": "f", "arguments": [], "result": {"digest": "x"}, "result": null}"#,
        #"{"fleche_call": 1, "name": "f", "name": "g", "arguments": [], "result": null}"#,
        #"{"fleche_call": 1, "fleche_call": 1, "name": "f", "arguments": [], "result": null}"#,
        #"{"fleche_call": 1, "name": "f", "arguments": [], "arguments": [], "result": null}"#,
    ])
    func duplicateEnvelopeMembers(_ text: String) throws {
        #expect(throws: (any Error).self) { try CallManifest.decodeResult(Array(text.utf8)) }
        #expect(throws: (any Error).self) { try CallManifest.decode(Array(text.utf8)) }
        #expect(throws: (any Error).self) { try CallManifest.decode(Array(text.utf8), members: ["result"]) }
        let twice = #"{"fleche_call": 1, "name": "f", "module": "A", "module": "B", "arguments": [], "result": null}"#
        #expect(try CallManifest.decode(Array(twice.utf8)).module == "B")
        #expect(try CallManifest.decodeResult(Array(twice.utf8)) == nil)
    }

    @Test("FORMAT settings out of range or of the wrong type are unknownFormat, not silently replaced", arguments: [
        #""compression_level": 99"#, #""compression_level": "fast""#, #""inline_limit": -1"#,
        #""destructure_depth": 1000000"#, #""destructure_depth": true"#,
    ])
    func formatSettings(_ setting: String) {
        let text = #"{"fleche_store": 1, "digest": "sha256", "#.appending(setting) + "}"
        #expect(throws: FlecheError.self) { try StoreFormat(fileBytes: Array(text.utf8), path: "/store") }
        let error = try? #require(throws: FlecheError.self) { try StoreFormat(fileBytes: Array(text.utf8), path: "/store") }
        if case .unknownFormat? = error {} else { Issue.record("\(String(describing: error))") }
    }

    @Test("two keys that differ only in their last character shrink to their full hex")
    func shrinkToFullLength() throws {
        let first = Digest(hex: String(repeating: "a", count: 63) + "0")!
        let second = Digest(hex: String(repeating: "a", count: 63) + "1")!
        let prefixes = try KeyResolution.shrink([first, second], algorithm: .sha256) { prefix in [first, second].filter { $0.hex.hasPrefix(prefix) } }
        #expect(prefixes == [first.hex, second.hex])
    }

    @Test("a table header that names no table is invalidConfiguration with its line (toml++ aborted on it)")
    func tomlHeaderWithoutName() throws {
        for text in ["[\nx]\n", "a = 1\n[=]\n", "[[ # comment\n", "[,]"] {
            let error = try #require(throws: FlecheError.self) { try FlecheConfiguration(text: text, path: "/cfg/fleche.toml") }
            guard case .invalidConfiguration(_, let reason) = error else { Issue.record("\(error)"); continue }
            #expect(reason.contains("line"), "\(reason)")
        }
        // Brackets that are no headers: arrays over several lines, strings, quoted and spaced names.
        let fine = """
            x = [
              [1, 2],
              [3],
            ]
            [t]
            y = "[not a header"
            z = '''
            [inside a string
            '''
            ["quoted name"]
            [ spaced ]
            [[list]]
            """
        _ = try FlecheConfiguration(text: fine, path: "/cfg/fleche.toml")
    }
}
