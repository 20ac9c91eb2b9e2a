import Foundation
import Testing
@testable import FlecheValue

struct Point: Codable, Hashable, Sendable {
    var x: Double
    var y: Double
}

enum Shape: Codable, Hashable, Sendable {
    case circle(radius: Double)
    case polygon([Point])
    case labelled(String, Int)
    case empty
}

enum Color: String, Codable, Hashable, Sendable { case red, green }

struct Everything: Codable, Hashable, Sendable {
    var int: Int
    var int8: Int8
    var uint64: UInt64
    var int128: Int128
    var float: Float
    var double: Double
    var bool: Bool
    var string: String
    var data: Data
    var date: Date
    var optional: Int?
    var nestedOptional: Int??
    var nestedNone: Int??
    var array: [String]
    var doubles: [Double]
    var floats: [Float]
    var ints: [Int]
    var int32s: [Int32]
    var optionals: [Int?]
    var dictionary: [String: Int]
    var intKeys: [Int: String]
    var pointKeys: [Point: String]
    var set: Set<String>
    var shapes: [Shape]
    var color: Color
    var nested: [[Int]]
    var digest: Digest
}

final class Node: Codable, Equatable, @unchecked Sendable {
    var value: Int
    var next: Node?
    init(_ value: Int, next: Node? = nil) {
        self.value = value
        self.next = next
    }
    static func == (a: Node, b: Node) -> Bool { a.value == b.value && a.next == b.next }
}

@Suite("Value round trips")
struct ValueRoundTripTests {
    static let sample = Everything(
        int: -42, int8: -8, uint64: .max, int128: Int128.min, float: 1.25, double: -0.0, bool: true,
        string: "héllo\n\"wörld\" 🎉", data: Data([0, 1, 255]), date: Date(timeIntervalSinceReferenceDate: 1234.5678),
        optional: nil, nestedOptional: .some(nil), nestedNone: nil, array: ["a", "b"], doubles: [1.5, .nan, -.infinity, .leastNonzeroMagnitude],
        floats: [1.5, 2.25], ints: [1, -2, .max], int32s: [3, -4], optionals: [1, nil, 3],
        dictionary: ["b": 2, "a": 1], intKeys: [3: "three", -1: "minus one"],
        pointKeys: [Point(x: 1, y: 2): "p"], set: ["x", "y"],
        shapes: [.circle(radius: 2), .polygon([Point(x: 0, y: 0), Point(x: 1, y: 1)]), .labelled("l", 7), .empty],
        color: .green, nested: [[1], [], [2, 3]],
        digest: Digest(hex: String(repeating: "ab", count: 32))!)

    func roundTrip<T: Codable>(_ value: T) throws -> T {
        let tree = try ValueEncoder().encode(value)
        // Through the binary payload and the JSON form, too.
        let bytes = ValueCodec.encode(tree)
        let binary = try ValueCodec.decode(bytes)
        #expect(binary == tree)
        #expect(ValueCodec.encode(binary) == bytes)
        let json = try Value(jsonForm: JSON.parse(tree.jsonForm.serialized()))
        #expect(json.digest(using: .sha256) == tree.digest(using: .sha256))
        return try ValueDecoder().decode(T.self, from: binary)
    }

    @Test("a struct with every supported kind round-trips exactly")
    func everything() throws {
        let back = try roundTrip(Self.sample)
        #expect(back.int == Self.sample.int)
        #expect(back.uint64 == .max)
        #expect(back.int128 == .min)
        #expect(back.double.sign == .minus)
        #expect(back.doubles[1].isNaN)
        #expect(back.nestedOptional == .some(nil))
        #expect(back.nestedNone == nil)
        #expect(back.optionals == [1, nil, 3])
        #expect(back.pointKeys == Self.sample.pointKeys)
        #expect(back.shapes == Self.sample.shapes)
        #expect(back.date == Self.sample.date)
        #expect(back.data == Self.sample.data)
        var expected = Self.sample
        expected.doubles[1] = 0
        var actual = back
        actual.doubles[1] = 0
        #expect(actual == expected)
    }

    @Test("reading a value's JSON form from the text gives what the tree gives, errors included", arguments: [
        #"{"f64s": [1990.0, 0.5, -3, "nan", "inf", "-inf", 1e-7]}"#, #"{"i64s": [1, -2, 9223372036854775807]}"#,
        #"{"f64s": []}"#, #"[{"f64s": [1.5]}, [{"i64s": [2]}, []], "s", 3, null]"#, #"{"float": 2.5}"#,
        #"{"record": "P", "fields": {"x": {"f64s": [1.0]}, "y": 2}}"#, #"{"dict": [["k", {"i64s": [1]}]]}"#,
        #"{"f64s": [1.0, "x"]}"#, #"{"i64s": [1.5]}"#, #"{"i64s": [1], "extra": 2}"#, #"{"f64s": 3}"#, #"{"zzz": [1]}"#,
        #"{}"#, #"1.5"#, #"[1, 2"#, #"{"f64s": [1.0,]}"#, #"{"f64s" [1.0]}"#,
    ])
    func readingJSONForm(_ text: String) {
        let fromTree = Result { try Value(jsonForm: JSON.parse(text)) }
        let read = Result {
            try Array(text.utf8).withUnsafeBytes { bytes -> Value in
                var parser = JSONParser(bytes: bytes)
                let value = try Value(readingJSONFormAt: &parser, depth: 0)
                try parser.finish()
                return value
            }
        }
        switch (fromTree, read) {
        case (.success(let expected), .success(let value)): #expect(value == expected)
        case (.failure(let expected), .failure(let error)): #expect(type(of: expected) == type(of: error), "\(expected) / \(error)")
        default: Issue.record("tree \(fromTree), reader \(read)")
        }
    }

    @Test("Value equality is lawful: NaN equals itself, -0.0 differs from 0.0 structurally")
    func equality() {
        #expect(Value.float(.nan) == Value.float(.nan))
        #expect(Value.doubles([.nan]) == Value.doubles([.nan]))
        #expect(Set([Value.float(.nan), Value.float(.nan)]).count == 1)
        #expect(Value.float(-0.0) != Value.float(0.0))
        #expect(Value.float(-0.0).digest(using: .sha256) == Value.float(0.0).digest(using: .sha256))
        #expect(Value.int(1) != Value.float(1))
    }

    @Test("top-level nested optionals keep .some(nil)")
    func nestedOptionals() throws {
        let values: [Int??] = [nil, .some(nil), .some(.some(4))]
        #expect(try roundTrip(values) == values)
        let triple: Int??? = .some(.some(nil))
        #expect(try roundTrip(triple) == triple)
    }

    @Test("special forms map to their Value kinds")
    func kinds() throws {
        let encoder = ValueEncoder()
        #expect(try encoder.encode([1.5, 2]) == .doubles([1.5, 2]))
        #expect(try encoder.encode([1, 2]) == .integers([1, 2]))
        #expect(try encoder.encode(Data([1])) == .bytes(Data([1])))
        #expect(try encoder.encode([3: "x"]) == .dictionary([.init(key: .int(3), value: .string("x"))]))
        #expect(try encoder.encode(Point(x: 1, y: 2)) == .record(type: "Point", fields: [
            .init(name: "x", value: .float(1)), .init(name: "y", value: .float(2)),
        ]))
        #expect(try encoder.encode(Optional<Int>.none) == .null)
        #expect(try encoder.encode([Int?]([1, 2])) == .array([.int(1), .int(2)]))
    }

    @Test("a recursive class (linked list) round-trips")
    func linkedList() throws {
        var list = Node(0)
        for i in 1..<200 { list = Node(i, next: list) }
        #expect(try roundTrip(list) == list)
    }

    @Test("decoding into the wrong type is a typed error, not a crash")
    func mismatch() throws {
        let tree = try ValueEncoder().encode("text")
        #expect(throws: DecodingError.self) { try ValueDecoder().decode(Int.self, from: tree) }
        #expect(throws: DecodingError.self) { try ValueDecoder().decode(Point.self, from: .int(1)) }
        #expect(throws: DecodingError.self) { try ValueDecoder().decode(Int8.self, from: .int(300)) }
    }

    @Test("corrupt payloads throw CodecError")
    func corruptPayloads() throws {
        let bytes = ValueCodec.encode(try ValueEncoder().encode(Self.sample))
        for cut in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: CodecError.self) { try ValueCodec.decode(Array(bytes[0..<cut])) }
        }
        #expect(throws: CodecError.self) { try ValueCodec.decode([200]) }
        #expect(throws: CodecError.self) { try ValueCodec.decode([8, 0xff, 0xff, 0xff, 0xff, 0x0f]) }
        #expect(throws: CodecError.self) { try ValueCodec.decode(bytes + [0]) }
        let deep = [UInt8](repeating: 12, count: 5_000) + [0]
        #expect(throws: CodecError.self) { try ValueCodec.decode(deep) }
    }

    @Test("the binary payload of a dictionary is the same in every process (sorted keys)")
    func deterministicPayload() throws {
        var a: [String: Int] = [:]
        var b: [String: Int] = [:]
        for i in 0..<50 { a["k\(i)"] = i }
        for i in (0..<50).reversed() { b["k\(i)"] = i }
        #expect(try ValueCodec.encode(ValueEncoder().encode(a)) == ValueCodec.encode(ValueEncoder().encode(b)))
    }

    @Test("JSON reads back exactly what it writes")
    func jsonRoundTrip() throws {
        let document = JSON.object([
            ("a", .array([.int(.max), .int(.min), .double(0.1), .double(-0.0), .double(5e-324), .null, .bool(false)])),
            ("s", .string("quote \" backslash \\ newline \n tab \t control \u{1} unicode é 🎉")),
        ])
        #expect(try JSON.parse(document.serialized()) == document)
        #expect(try JSON.parse(document.serialized(pretty: true)) == document)
        #expect(try JSON.parse(#""\u00e9\ud83c\udf89""#) == .string("é🎉"))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{\"a\":1,}"] {
            #expect(throws: JSONParseError.self) { try JSON.parse(bad) }
        }
        // Reading selected members still checks the syntax of the skipped ones.
        let text = #"{"skip": {"x": [1, "a\"b", null, {"y": -2.5e3}]}, "keep": [1, 2], "also": true}"#
        let kept = try Array(text.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["keep", "absent"]) }
        #expect(kept == [.array([.int(1), .int(2)]), nil])
        // Numbers parse exactly, long ones (timestamps) included.
        for number in [1795606114.1207707, 4.999999999999796e-06, -2.5e3, 0.1, 1e308, 5e-324] {
            #expect(try JSON.parse(JSON.double(number).serialized()) == .double(number))
        }
        let escapes = #"{"skip": ["a\"b", "c\\", "\\\"d", "", "é\u00e9"], "keep": 2}"#
        #expect(try Array(escapes.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["keep"]) } == [.int(2)])
        #expect(throws: JSONParseError.self) { try Array(#"{"skip": "abc\", "keep": 1}"#.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["keep"]) } }
        #expect(throws: JSONParseError.self) { try Array(#"{"skip": "abc"#.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["keep"]) } }
        let numbers = #"{"skip": [0, -1, 2.5, -2.5e3, 1e+20, 4E-2], "keep": 1}"#
        #expect(try Array(numbers.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["keep"]) } == [.int(1)])
        for bad in [#"{"skip": [1,, 2], "keep": 1}"#, #"{"skip": {"x" 1}, "keep": 1}"#, #"{"skip": "open, "keep": 1}"#, #"{"keep": 1} x"#,
                    #"{"skip": 1., "keep": 1}"#, #"{"skip": -, "keep": 1}"#, #"{"skip": 1e, "keep": 1}"#, #"{"skip": +1, "keep": 1}"#] {
            #expect(throws: JSONParseError.self) { try Array(bad.utf8).withUnsafeBytes { try JSON.parseMembers($0, keep: ["keep"]) } }
        }
    }
}
