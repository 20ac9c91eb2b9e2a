import Foundation
import Testing
@testable import FlecheValue

/// RFC 8259, case by case: the tree parser (`JSON.parse`) and the scanner the manifest
/// reader uses (`JSONParser.skipValue`, through `JSON.parseMembers`) accept and reject the
/// same texts, and agree with Foundation's `JSONSerialization` on which are JSON.
@Suite("JSON grammar (RFC 8259)")
struct JSONGrammarTests {
    static let validNumbers = [
        "0", "-0", "1", "-1", "10", "1234567890", "0.5", "-0.5", "1.25", "1e5", "1E5", "1e+5", "1e-5",
        "1.5e10", "-1.5E-10", "0e0", "0.0", "9223372036854775807", "-9223372036854775808",
        "92233720368547758070", "1e308", "123.456e-78", "1e-400", "-1.5E+300", "123456789012345.5",
        "1795812789.8497937", "1" + String(repeating: "0", count: 300), "1" + String(repeating: "0", count: 250) + "e57",
        String(repeating: "9", count: 200) + "." + String(repeating: "9", count: 400) + "e99",
    ]
    static let invalidNumbers = [
        "+1", "01", "-01", "00", ".5", "-.5", "1.", "1.e5", "1e", "1e+", "1E-", "-", "--1", "0x10", "1_000",
        "1.5.5", "1e5.5", "Infinity", "-Infinity", "NaN", "- 1",
    ] + beyondDoubles
    /// Grammatical, but beyond a double's range: no tree of finite numbers holds them. The
    /// 400-digit integer is the json fuzz target's (it read as infinity and did not round-trip).
    static let beyondDoubles = ["1e400", "-1e400", "1E+400", "1" + String(repeating: "0", count: 400), "0.5e99999",
                                "1" + String(repeating: "0", count: 309), "1" + String(repeating: "0", count: 250) + "e60",
                                "-" + String(repeating: "9", count: 215) + "e99"]
    static let validStrings = [
        #""""#, #""a""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041""#, #""\ud83d\ude00""#, "\"é\"", "\"日本\"", "\"😀\"",
        #""\u00e9""#,
    ]
    static let invalidStrings = [
        "\"a", "\"\\\"", #""\x""#, #""\u12""#, #""\u12g4""#, "\"\u{01}\"", "\"tab\there\"", "\"new\nline\"",
        #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, "'a'",
    ]
    static let invalidBytes: [[UInt8]] = [
        [0x22, 0xC3, 0x22],  // truncated two-byte sequence
        [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xFF, 0x22],
    ]
    static let validDocuments = [
        "null", "true", "false", "[]", "{}", " [1, 2 ,3] ", #"{"a": {"b": [null, true, false, "x", 1.5]}}"#,
        "[[[[]]]]", "\t\r\n[]\n",
    ]
    static let invalidDocuments = [
        "", " ", "nul", "True", "[1,]", "[,1]", "[1 2]", #"{"a" 1}"#, #"{"a":1,}"#, "{a:1}", #"{"a":}"#, "[1]]", "[1] x",
        "[", "{", "]", #"{"a":1"#, "/* c */ 1", "[1]\u{0B}",
    ]

    /// Where Foundation is more lenient than RFC 8259: it accepts a trailing comma (`[1,]`),
    /// reads `1e400` as infinity (which a tree of finite numbers cannot hold) and lone
    /// surrogate escapes (which no Swift `String` can hold), and ends the text at a NUL byte
    /// (the JSON fuzz target found that one). We refuse all of these.
    static let foundationDepartures: Set<String> = [
        "[1,]", #"{"a":1,}"#, "1e400", #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, "1\u{0}\u{0}",
    ]

    /// Whether `JSON.parse` accepts the text.
    func treeAccepts(_ bytes: [UInt8]) -> Bool { (try? JSON.parse(bytes)) != nil }

    /// Whether the scanner accepts the text, as a member value it skips.
    func scannerAccepts(_ bytes: [UInt8]) -> Bool {
        let wrapped = Array(#"{"skipped": "#.utf8) + bytes + Array("}".utf8)
        return wrapped.withUnsafeBytes { (try? JSON.parseMembers($0, keep: [])) != nil }
    }

    /// Whether Foundation's `JSONSerialization` accepts the text (any top-level value).
    func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    @Test("numbers", arguments: validNumbers.map { ($0, true) } + invalidNumbers.map { ($0, false) })
    func numbers(_ text: String, valid: Bool) {
        let bytes = Array(text.utf8)
        #expect(treeAccepts(bytes) == valid, "parse: \(text)")
        // Beyond a double's range, the scanner refuses too (it converts only numbers that
        // may be); Foundation reads infinity.
        #expect(scannerAccepts(bytes) == valid, "skip: \(text)")
    }

    @Test("numbers keep their kind and value")
    func numberValues() throws {
        #expect(try JSON.parse("-0") == .int(0))
        #expect(try JSON.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSON.parse("92233720368547758070") == .double(92233720368547758070))
        #expect(try JSON.parse("1.5e10") == .double(1.5e10))
        #expect(try JSON.parse("123456789012345678") == .int(123456789012345678))
    }

    @Test("the exact fast path for doubles rounds as strtod does, and leaves the rest to it")
    func exactDoubles() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0.0", "-0.0", "1990.0", "0.1", "0.3", "1.000000000001e-06", "123456789012345", "1234567890123456",
                     "9007199254740993", "1e22", "1e23", "1e-22", "1e-23", "0e500", "-0e-500", "0.000000000000000000000001",
                     "4.35", "2.675", "1.7976931348623157e308", "5e-324", "100000000000000000000000.0", "1.0000000000000000"]
        for _ in 0..<20_000 {
            let digits = String(UInt64.random(in: 0..<1_000_000_000_000_000, using: &generator))
            let point = Int.random(in: 0...digits.count, using: &generator)
            var text = point == digits.count ? digits : String(digits.prefix(point).isEmpty ? "0" : digits.prefix(point)) + "." + digits.dropFirst(point)
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -30...30, using: &generator))" }
            if Bool.random(using: &generator) { text = "-" + text }
            texts.append(text)
        }
        var fast = 0
        for text in texts {
            let expected = strtod(text, nil)
            let parsed = try #require(text.utf8.withContiguousStorageIfAvailable { JSONParser.double(UnsafeRawBufferPointer($0)) } ?? nil)
            #expect(parsed.bitPattern == expected.bitPattern, "\(text)")
            if let exact = text.utf8.withContiguousStorageIfAvailable({ JSONParser.exactDouble(UnsafeRawBufferPointer($0)) }) ?? nil {
                fast += 1
                #expect(exact.bitPattern == expected.bitPattern, "\(text)")
            }
        }
        #expect(fast > texts.count / 4, "most short numbers take the fast path")
    }

    @Test("strings", arguments: validStrings.map { ($0, true) } + invalidStrings.map { ($0, false) })
    func strings(_ text: String, valid: Bool) {
        let bytes = Array(text.utf8)
        #expect(treeAccepts(bytes) == valid, "parse: \(text)")
        #expect(scannerAccepts(bytes) == valid, "skip: \(text)")
    }

    @Test("string contents", arguments: [
        (#""\u0041\u00e9\ud83d\ude00""#, "Aé😀"), (#""a\/b""#, "a/b"), (#""\t\n""#, "\t\n"),
    ])
    func stringContents(_ text: String, expected: String) throws {
        #expect(try JSON.parse(text) == .string(expected))
    }

    @Test("invalid UTF-8 inside strings")
    func invalidUTF8() {
        for bytes in Self.invalidBytes {
            #expect(!treeAccepts(bytes), "parse: \(bytes)")
            #expect(!scannerAccepts(bytes), "skip: \(bytes)")
            #expect(!foundationAccepts(bytes), "Foundation: \(bytes)")
        }
    }

    @Test("documents", arguments: validDocuments.map { ($0, true) } + invalidDocuments.map { ($0, false) })
    func documents(_ text: String, valid: Bool) {
        #expect(treeAccepts(Array(text.utf8)) == valid, "parse: \(text)")
    }

    @Test("Foundation's JSONSerialization agrees on every case")
    func foundationAgrees() {
        let cases = Self.validNumbers.map { ($0, true) } + Self.invalidNumbers.map { ($0, false) }
            + Self.validStrings.map { ($0, true) } + Self.invalidStrings.map { ($0, false) }
            + Self.validDocuments.map { ($0, true) } + Self.invalidDocuments.map { ($0, false) }
        // Foundation parses 1e400 as infinity; the tree parser refuses a number it cannot hold.
        for (text, valid) in cases where !Self.foundationDepartures.contains(text) {
            #expect(foundationAccepts(Array(text.utf8)) == valid, "JSONSerialization disagrees on \(text)")
        }
        for text in Self.foundationDepartures {
            #expect(!treeAccepts(Array(text.utf8)), "\(text)")
        }
    }

    @Test("nesting beyond 2,000 levels is an error, not a stack overflow")
    func deepNesting() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(!treeAccepts(deep))
        #expect(!scannerAccepts(deep))
        let fine = Array(repeating: UInt8(ascii: "["), count: 1_999) + Array(repeating: UInt8(ascii: "]"), count: 1_999)
        #expect(treeAccepts(fine))
    }

    @Test("long plain strings skip eight bytes at a time, and the stop lands on the right byte")
    func longStrings() throws {
        for length in 0..<40 {
            for special in ["\\\"", "\\\\", "é", "\\u0041"] {
                let text = String(repeating: "x", count: length) + special + String(repeating: "y", count: 40 - length)
                let document = #"{"a": ""# + text + #"", "b": 7}"#
                let members = try Array(document.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["b"]) }
                #expect(members == [.int(7)], "\(document)")
            }
            let broken = #"{"a": ""# + String(repeating: "x", count: length) + "\u{01}" + #"", "b": 7}"#
            #expect(throws: JSONParseError.self) { try Array(broken.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["b"]) } }
        }
    }
}
