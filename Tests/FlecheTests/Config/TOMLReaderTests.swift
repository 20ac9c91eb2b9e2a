import Testing
@testable import FlecheConfig
@testable import FlecheValue

/// The TOML 1.0 reader `fleche.toml` goes through: what it reads, as JSON, and what it
/// refuses, with the line the error names.
@Suite("TOML reader")
struct TOMLReaderTests {
    func read(_ text: String) throws -> JSON { try TOMLReader.parse(text) }

    func expect(_ text: String, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try read(text)
        let want = try JSON.parse(json)
        #expect(got == want, "\(text)\n→ \(got)", sourceLocation: sourceLocation)
    }

    /// Valid documents and the JSON each reads as: tables, dotted keys, arrays of tables and
    /// comments in the order written; inline tables and nested arrays; CRLF; strings of the
    /// four kinds (escapes, a line-ending backslash, quotes before the closing three).
    static let readings: [(String, String)] = [
        (
            """
            # a comment
            title = "demo"   # after a value
            site."google.com" = true
            physical.color = "orange"
            physical.shape = "round"
            [owner]
            name = "Tom"
            [database.connection]
            ports = [ 8000, 8001,
              8002, # a comment inside an array
            ]
            [database]
            enabled = true
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits.varieties]]
            name = "granny smith"
            [[fruits]]
            name = "banana"
            [[fruits.varieties]]
            name = "plantain"
            [ spaced . "quoted key" . 'literal' ]
            x = 1
            """,
            """
            {"title":"demo","site":{"google.com":true},"physical":{"color":"orange","shape":"round"},
             "owner":{"name":"Tom"},
             "database":{"connection":{"ports":[8000,8001,8002]},"enabled":true},
             "fruits":[{"name":"apple","physical":{"color":"red"},"varieties":[{"name":"red delicious"},{"name":"granny smith"}]},
                       {"name":"banana","varieties":[{"name":"plantain"}]}],
             "spaced":{"quoted key":{"literal":{"x":1}}}}
            """),
        (#"point = { x = 1, y = 2, z.w = "a" }"#, #"{"point":{"x":1,"y":2,"z":{"w":"a"}}}"#),
        (#"empty = {}"#, #"{"empty":{}}"#),
        (#"mixed = [ [1, 2], ["a", 'b'], [], { k = [true] } ]"#, #"{"mixed":[[1,2],["a","b"],[],{"k":[true]}]}"#),
        ("", "{}"),
        ("\n# only a comment\n\n", "{}"),
        ("a = 1\r\nb = [\r\n 2,\r\n]\r\n", #"{"a":1,"b":[2]}"#),
        (#"s = "tab\tquote\"back\\slash\u00e9\U0001F600\n""#, #"{"s":"tab\tquote\"back\\slash\u00e9\ud83d\ude00\n"}"#),
        (#"s = 'C:\Users\nodejs'"#, #"{"s":"C:\\Users\\nodejs"}"#),
        ("s = \"\"\"\nRoses\nViolets\"\"\"", #"{"s":"Roses\nViolets"}"#),
        ("s = \"\"\"\nThe quick \\\n\n    brown \\   \n  fox.\"\"\"", #"{"s":"The quick brown fox."}"#),
        (#"s = """Here are two quotes: "". Simple enough.""""#, #"{"s":"Here are two quotes: \"\". Simple enough."}"#),
        (#"s = """ends with two quotes""""""#, #"{"s":"ends with two quotes\"\""}"#),
        ("s = '''\nfirst line\n  is kept \\n as written'''", #"{"s":"first line\n  is kept \\n as written"}"#),
        ("s = ''''That,' she said'''", #"{"s":"'That,' she said"}"#),
        (#"s = "日本語""#, #"{"s":"日本語"}"#),
    ]

    @Test("valid documents read as the JSON expected", arguments: 0..<readings.count)
    func reads(_ index: Int) throws {
        try expect(Self.readings[index].0, Self.readings[index].1)
    }

    /// Every valid text of this suite (the TOML oracle runs them through tomllib too).
    static var validDocuments: [String] { readings.map(\.0) + [numbersDocument, datesDocument] }

    static let numbersDocument = """
            a = +99
            b = -17
            c = 0
            d = 1_000_000
            e = 0xDEAD_beef
            f = 0o755
            g = 0b1101
            h = 9223372036854775807
            i = -9223372036854775808
            j = 3.1415
            k = -0.01
            l = 5e+22
            m = 1e06
            n = -2E-2
            o = 6.626e-34
            p = 224_617.445_991
            q = -0.0
            r = inf
            s = -inf
            t = nan
            """

    static let datesDocument = """
            a = 1979-05-27T07:32:00Z
            b = 1979-05-27T00:32:00.999999-07:00
            c = 1979-05-27 07:32:00
            d = 1979-05-27
            e = 07:32:00
            f = 00:32:00.5
            g = 2000-02-29t23:59:59z
            """

    @Test("integers (with a sign, underscores, hex, octal and binary) stay integers; floats are doubles")
    func numbers() throws {
        let json = try read(Self.numbersDocument)
        let expected: [(String, JSON)] = [
            ("a", .int(99)), ("b", .int(-17)), ("c", .int(0)), ("d", .int(1_000_000)), ("e", .int(0xDEAD_BEEF)),
            ("f", .int(0o755)), ("g", .int(13)), ("h", .int(.max)), ("i", .int(.min)), ("j", .double(3.1415)),
            ("k", .double(-0.01)), ("l", .double(5e22)), ("m", .double(1e6)), ("n", .double(-0.02)),
            ("o", .double(6.626e-34)), ("p", .double(224_617.445_991)), ("q", .double(-0.0)),
            ("r", .double(.infinity)), ("s", .double(-.infinity)), ("t", .double(.nan)),
        ]
        let members = try #require(json.objectValue)
        #expect(members.map(\.0) == expected.map(\.0))
        for ((key, got), (_, want)) in zip(members, expected) {
            switch (got, want) {
            case (.int(let a), .int(let b)): #expect(a == b, "\(key)")
            case (.double(let a), .double(let b)): #expect(a == b || (a.isNaN && b.isNaN), "\(key)")
            default: Issue.record("\(key): \(got), expected \(want)")
            }
        }
    }

    @Test("dates and times are kept as the RFC 3339 text written")
    func datesAndTimes() throws {
        try expect(
            Self.datesDocument,
            #"{"a":"1979-05-27T07:32:00Z","b":"1979-05-27T00:32:00.999999-07:00","c":"1979-05-27 07:32:00","d":"1979-05-27","e":"07:32:00","f":"00:32:00.5","g":"2000-02-29t23:59:59z"}"#)
        // RFC 3339's leap second, which TOML's grammar allows (tomllib refuses it: Python's
        // datetime cannot hold it, so it is not in the documents the oracle test reads).
        try expect("leap = 1990-12-31T23:59:60Z", #"{"leap":"1990-12-31T23:59:60Z"}"#)
    }

    /// Each invalid text with the line its error must name.
    static let invalid: [(String, Int)] = [
        ("a = 1\na = 2", 2),  // a key defined twice
        ("[t]\n[t]", 2),  // a table defined twice
        ("a.b = 1\n[a]", 2),  // a table made by dotted keys, then by a header
        ("[a.b]\n[a]\nb.c = 1", 3),  // dotted keys into a table a header defined
        ("a = 1\n[a.b]", 2),  // a value used as a table
        ("a = [1]\n[[a]]", 2),  // a static array extended
        ("[a]\n[[a]]", 2),  // a table used as an array of tables
        ("[[a]]\n[a]", 2),  // an array of tables used as a table
        ("a = {x = 1}\na.y = 2", 2),  // an inline table extended
        ("a = {x = 1, x = 2}", 1),
        ("a = {x = 1,}", 1),  // trailing comma in an inline table
        ("a = {x = 1\n}", 1),  // an inline table over two lines
        ("a = [1 2]", 1),
        ("a = [1,,2]", 1),
        ("a = [,]", 1),
        ("pool = [ }", 1),  // toml++ aborted on this
        ("a = [", 1),
        ("[\nx]", 1), ("[=]", 1), ("[]", 1), ("[[ # c\n", 1), ("[,]", 1), ("[a", 1), ("[[a]", 1), ("[a]]", 1),
        ("a", 1), ("a =", 1), ("= 1", 1), ("a = 1 b = 2", 1), ("a = 1\nb", 2),
        ("a = \"unclosed", 1), ("a = \"line\nbreak\"", 1), ("a = 'unclosed", 1), ("a = \"\"\"never closed", 1),
        ("a = \"\\x41\"", 1), ("a = \"\\u00\"", 1), ("a = \"\\uD800\"", 1), ("a = \"\\U00110000\"", 1), ("a = \"a\\ b\"", 1),
        ("a = \"\u{01}\"", 1), ("a = '\u{7F}'", 1), ("# bell \u{07}", 1), ("a = \"\"\"ok\"\"\"\"\"\"", 1),
        ("a = 01", 1), ("a = 1__0", 1), ("a = _1", 1), ("a = 1_", 1), ("a = +0x10", 1), ("a = 0x", 1), ("a = 0o8", 1),
        ("a = 0b2", 1), ("a = 1.", 1), ("a = .5", 1), ("a = 1.e5", 1), ("a = 1e", 1), ("a = 03.14", 1), ("a = 1e_5", 1),
        ("a = 9223372036854775808", 1), ("a = -9223372036854775809", 1), ("a = 0xFFFFFFFFFFFFFFFF", 1),
        ("a = True", 1), ("a = tru", 1), ("a = infinity", 1), ("a = bare", 1),
        ("a = 1979-02-29", 1), ("a = 1979-13-01", 1), ("a = 1979-05-27T25:00:00", 1), ("a = 07:32", 1),
        ("a = 1979-05-27T07:32:00+24:00", 1), ("a = 1979-05-27 ", 1 /* fine: a date then a blank */),
        ("a = 1\r2", 1), ("\"\"\"k\"\"\" = 1", 1), ("k\n= 1", 1),
    ]

    @Test("invalid TOML is a TOMLSyntaxError naming the line", arguments: 0..<invalid.count)
    func refusesInvalid(_ index: Int) throws {
        let (text, line) = Self.invalid[index]
        if text == "a = 1979-05-27 " {
            try expect(text, #"{"a":"1979-05-27"}"#)
            return
        }
        let error = try #require(throws: TOMLSyntaxError.self, "\(text.debugDescription)") { try read(text) }
        #expect(error.line == line, "\(text.debugDescription): \(error)")
    }

    @Test("the error names the line and column, counted in characters")
    func errorPosition() throws {
        let error = try #require(throws: TOMLSyntaxError.self) { try read("ok = 1\n \"é\" = \"x\" junk") }
        #expect(error.line == 2)
        #expect(error.column == 12)
        #expect(error.description == "line 2, column 12: expected the end of the line")
    }

    @Test("arrays and inline tables nest up to the limit; deeper, or 100,000 deep, is an error, not a stack overflow")
    func nestingLimit() throws {
        let depth = TOMLReader.maximumNesting
        _ = try read("a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        _ = try read("a = " + String(repeating: "{b = ", count: depth) + "1" + String(repeating: "}", count: depth))
        for text in [
            "a = " + String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1),
            "a = " + String(repeating: "[", count: 100_000),
            "a = " + String(repeating: "{b = ", count: 100_000),
        ] {
            let error = try #require(throws: TOMLSyntaxError.self) { try read(text) }
            #expect(error.reason.contains("nest"), "\(error)")
        }
    }

    @Test("a header's or a dotted key's parts nest tables too: up to the limit, deeper is an error, not a stack overflow")
    func keyNestingLimit() throws {
        let depth = TOMLReader.maximumNesting
        func key(_ parts: Int) -> String { (0..<parts).map { "k\($0)" }.joined(separator: ".") }
        _ = try read("[\(key(depth))]\nx = 1")
        _ = try read("\(key(depth + 1)) = 1")  // 100 tables, the value in the last
        _ = try read("[\(key(50))]\n\(key(51)) = 1")
        _ = try read("a = {\(key(depth)) = 1}")
        for text in [
            "[\(key(depth + 1))]", "[[\(key(100_000))]]", "\(key(depth + 2)) = 1", "[\(key(50))]\n\(key(52)) = 1",
            "a = {\(key(depth + 1)) = 1}", "a = " + String(repeating: "{b.c = ", count: 60) + "1" + String(repeating: "}", count: 60),
        ] {
            let error = try #require(throws: TOMLSyntaxError.self) { try read(text) }
            #expect(error.reason.contains("nest"), "\(error)")
        }
    }
}
