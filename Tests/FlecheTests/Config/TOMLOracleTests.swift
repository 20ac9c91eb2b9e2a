import Foundation
import Testing
@testable import FlecheConfig
@testable import FlecheValue

/// Our TOML reader against Python's `tomllib` (TOML 1.0, in the standard library since 3.11)
/// as an oracle: on every text of the TOML tests, the fuzz seeds and regression inputs (and,
/// with `FLECHE_TOML_CORPUS=folder`, every file of a fuzz corpus) both accept or both refuse,
/// and what both accept reads the same. Where they may part on purpose, `Departure` says so.
@Suite("TOML reader against Python's tomllib")
struct TOMLOracleTests {
    /// Python 3.11 or later, or nil.
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { path in
        FileManager.default.isExecutableFile(atPath: path)
            && (try? run(path, ["-c", "import tomllib"]))?.status == 0
    }

    /// Prints, for each text of the JSON array in the file argv[1], whether tomllib reads it
    /// and (when it holds no dates, times, infinities or NaNs, which JSON cannot carry as such)
    /// what it reads.
    static let script = """
        import json, math, sys, datetime, tomllib
        class Opaque(Exception): pass
        def plain(v):
            if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
            if isinstance(v, list): return [plain(x) for x in v]
            if isinstance(v, (datetime.datetime, datetime.date, datetime.time)): raise Opaque()
            if isinstance(v, float) and not math.isfinite(v): raise Opaque()
            if isinstance(v, bool): return v
            if isinstance(v, int) and not -2**63 <= v < 2**63: return {"__beyond_int64__": True}
            return v
        def depth(doc):
            deepest, pending = 0, [(doc, 0)]
            while pending:
                v, d = pending.pop()
                if isinstance(v, (dict, list)): deepest = max(deepest, d)
                if isinstance(v, dict): pending += [(x, d + 1) for x in v.values()]
                if isinstance(v, list): pending += [(x, d + 1) for x in v]
            return deepest
        out = []
        for text in json.load(open(sys.argv[1], encoding="utf-8")):
            try:
                doc = tomllib.loads(text)
            except tomllib.TOMLDecodeError as error:
                out.append({"valid": False, "why": str(error)})
                continue
            if depth(doc) > 100:
                out.append({"valid": True, "deeper_than_100": True})
                continue
            try:
                out.append({"valid": True, "value": plain(doc)})
            except Opaque:
                out.append({"valid": True})
        print(json.dumps(out))
        """

    /// Where we part from tomllib on purpose.
    enum Departure {
        /// Tables, arrays and inline tables nested deeper than ``TOMLReader/maximumNesting``
        /// (a header's or a dotted key's parts count): we refuse them, so that no input can
        /// overflow the stack; tomllib reads them.
        static func deeperThanLimit(_ verdict: JSON) -> Bool { verdict["deeper_than_100"] == .bool(true) }

        /// An integer beyond 64 bits: TOML lets a reader refuse it ("an error should be
        /// thrown"), tomllib keeps Python's big integers; we refuse it.
        static func beyondInt64(_ value: JSON) -> Bool {
            switch value {
            case .object(let members): members.contains { $0.0 == "__beyond_int64__" || beyondInt64($0.1) }
            case .array(let items): items.contains(where: beyondInt64)
            default: false
            }
        }
    }

    /// Every text the TOML tests use, the fuzz seeds and regressions, and a corpus if named.
    static func texts() throws -> [String] {
        var texts = TOMLReaderTests.invalid.map(\.0)
        texts += TOMLReaderTests.validDocuments
        var folders = ["\(packageDirectory)/Fuzz/Seeds/toml", "\(packageDirectory)/Fuzz/Regressions/toml"]
        if let corpus = ProcessInfo.processInfo.environment["FLECHE_TOML_CORPUS"] { folders.append(corpus) }
        for folder in folders {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
                // The fuzzer's inputs are bytes; both readers take text.
                if let text = String(data: data, encoding: .utf8) { texts.append(text) }
            }
        }
        return texts
    }

    @Test("tomllib and TOMLReader agree on what is TOML and what it reads",
          .enabled(if: python != nil || ProcessInfo.processInfo.environment["CI"] == "true",
                   "Python 3.11 (for tomllib) is not installed"))
    func agreesWithTomllib() throws {
        let python = try #require(Self.python, "CI must have Python 3.11 or later for this oracle")
        let texts = try Self.texts()
        let folder = try TemporaryDirectory()
        let input = folder.sub("texts.json")
        try Data(JSON.array(texts.map(JSON.string)).serializedBytes()).write(to: URL(fileURLWithPath: input))
        let result = try run(python, ["-c", Self.script, input])
        #expect(result.status == 0, "\(result.stderr)")
        let verdicts = try #require(try JSON.parse(result.stdout).arrayValue)
        #expect(verdicts.count == texts.count)
        var compared = 0
        for (text, verdict) in zip(texts, verdicts) {
            let ours = Result { try TOMLReader.parse(text) }
            let theirs = verdict["valid"] == .bool(true)
            switch ours {
            case .success(let value):
                guard theirs else {
                    Issue.record("we read what tomllib refuses (\(verdict["why"]?.stringValue ?? "")): \(text.debugDescription)")
                    continue
                }
                if let expected = verdict["value"] {
                    #expect(value == expected, "\(text.debugDescription)")
                    compared += 1
                }
            case .failure(let error):
                if theirs, let value = verdict["value"], Departure.beyondInt64(value) { continue }
                if theirs, Departure.deeperThanLimit(verdict) { continue }
                #expect(!theirs, "tomllib reads what we refuse (\(error)): \(text.debugDescription)")
            }
        }
        #expect(compared > 10)
    }
}
