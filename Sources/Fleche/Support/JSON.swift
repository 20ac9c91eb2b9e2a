#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A JSON document: the text form of manifests, metadata, fixtures and CLI output.
///
/// Fleche has its own reader and writer because manifests sit on the hit path: objects keep
/// their key order (manifests stay readable), integers stay exact 64-bit integers, and
/// floats print in Swift's shortest round-trip form, so `parse(serialized())` is exact.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b || (a.isNaN && b.isNaN)
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): Double(a) == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let flag): hasher.combine(flag)
        case .int(let number): hasher.combine(Double(number))
        case .double(let number): hasher.combine(number.isNaN ? .nan : number)
        case .string(let text): hasher.combine(text)
        case .array(let items): hasher.combine(items)
        case .object(let members):
            for (key, value) in members {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }

    /// The member named `key` of an object, or `nil`.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    public var int64Value: Int64? {
        switch self {
        case .int(let number): number
        case .double(let number): Int64(exactly: number)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    public var arrayValue: [JSON]? {
        if case .array(let items) = self { items } else { nil }
    }

    public var objectValue: [(String, JSON)]? {
        if case .object(let members) = self { members } else { nil }
    }

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}

// MARK: - Writing

extension JSON {
    /// The document as text; `pretty` indents by two spaces.
    public func serialized(pretty: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// The document as UTF-8 bytes.
    public func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, pretty: pretty, indent: 0)
        if pretty { out.append(UInt8(ascii: "\n")) }
        return out
    }

    private func write(into out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .double(let number): out.append(contentsOf: Self.numberText(number).utf8)
        case .string(let text): Self.writeString(text, into: &out)
        case .array(let items):
            writeContainer(items, open: "[", close: "]", into: &out, pretty: pretty, indent: indent) { item, out in
                item.write(into: &out, pretty: pretty, indent: indent + 1)
            }
        case .object(let members):
            writeContainer(members, open: "{", close: "}", into: &out, pretty: pretty, indent: indent) { member, out in
                Self.writeString(member.0, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                member.1.write(into: &out, pretty: pretty, indent: indent + 1)
            }
        }
    }

    private func writeContainer<T>(
        _ items: [T], open: Unicode.Scalar, close: Unicode.Scalar, into out: inout [UInt8],
        pretty: Bool, indent: Int, element: (T, inout [UInt8]) -> Void
    ) {
        out.append(UInt8(ascii: open))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if pretty {
                out.append(UInt8(ascii: "\n"))
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * (indent + 1)))
            }
            element(item, &out)
        }
        if pretty && !items.isEmpty {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
        }
        out.append(UInt8(ascii: close))
    }

    /// Swift's shortest round-trip text for a finite double, always with a `.` or exponent
    /// so that it reads back as a float. Non-finite numbers have no JSON number form; callers
    /// that may hold them (the value JSON form) write them as strings first.
    static func numberText(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        let text = number.description
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: - Reading

/// Text that is not valid JSON.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSON {
    /// Parses one JSON document (surrounding white space allowed).
    public static func parse(_ text: String) throws -> JSON {
        var text = text
        return try text.withUTF8 { (buffer) throws -> JSON in try parse(UnsafeRawBufferPointer(buffer)) }
    }

    /// Parses one JSON document from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSON {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.offset == bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    /// Parses one JSON document from UTF-8 bytes.
    public static func parse(_ bytes: [UInt8]) throws -> JSON {
        try bytes.withUnsafeBytes { (buffer) throws -> JSON in try parse(buffer) }
    }
}

extension JSON {
    /// Reads a top-level JSON object, building values only for the members named in `keep`
    /// and checking the syntax of the others without building them.
    /// The members named in `keep` (a handful: a linear scan beats hashing every name),
    /// in `keep`'s order, `nil` for an absent one.
    static func parseMembers(_ bytes: UnsafeRawBufferPointer, keep: [String]) throws -> [JSON?] {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        guard parser.current == UInt8(ascii: "{") else { throw parser.error("expected an object") }
        parser.offset += 1
        var kept = [JSON?](repeating: nil, count: keep.count)
        parser.skipSpace()
        if parser.current == UInt8(ascii: "}") {
            parser.offset += 1
        } else {
            while true {
                parser.skipSpace()
                guard parser.current == UInt8(ascii: "\"") else { throw parser.error("expected a member name") }
                let key = try parser.parseString()
                parser.skipSpace()
                try parser.expect(":")
                parser.skipSpace()
                if let index = keep.firstIndex(of: key) {
                    kept[index] = try parser.parseValue(depth: 1)
                } else {
                    try parser.skipValue(depth: 1)
                }
                parser.skipSpace()
                guard let next = parser.current else { throw parser.error("unterminated object") }
                parser.offset += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or '}'") }
            }
        }
        parser.skipSpace()
        guard parser.offset == bytes.count else { throw parser.error("trailing characters") }
        return kept
    }
}

/// A reader over JSON text, for the parsers here and for decoders that walk a document
/// without building it (``CallManifest``).
struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Calls `body` with each member name of the object that starts here; `body` must read
    /// or skip the member's value.
    mutating func forEachMember(_ body: (inout JSONParser, String) throws -> Void) throws {
        try walkContainer(keyed: true) { parser, key in try body(&parser, key!) }
    }

    /// Calls `body` at each element of the array that starts here; `body` must read or skip
    /// the element.
    mutating func forEachElement(_ body: (inout JSONParser) throws -> Void) throws {
        try walkContainer(keyed: false) { parser, _ in try body(&parser) }
    }

    /// The walk over an object (`keyed`, with each member name) or an array for the
    /// decoders: brackets, separators and white space; `body` reads or skips each value.
    /// (``parseValue(depth:)`` and ``skipValue(depth:)`` keep loops of their own: sharing
    /// this one measured 2–4% slower on the hit path.)
    @inline(__always)
    private mutating func walkContainer(keyed: Bool, _ body: (inout JSONParser, String?) throws -> Void) throws {
        skipSpace()
        let (open, close) = keyed ? (UInt8(ascii: "{"), UInt8(ascii: "}")) : (UInt8(ascii: "["), UInt8(ascii: "]"))
        guard current == open else { throw error(keyed ? "expected an object" : "expected an array") }
        offset += 1
        skipSpace()
        if current == close { offset += 1; return }
        while true {
            skipSpace()
            var key: String?
            if keyed {
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
                key = try parseString()
                skipSpace()
                try expect(":")
                skipSpace()
            }
            try body(&self, key)
            skipSpace()
            guard let next = current else { throw error(keyed ? "unterminated object" : "unterminated array") }
            offset += 1
            if next == close { return }
            guard next == UInt8(ascii: ",") else {
                offset -= 1
                throw error(keyed ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }

    /// Checks that only white space follows.
    mutating func finish() throws {
        skipSpace()
        guard offset == bytes.count else { throw error("trailing characters") }
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: offset, reason: reason) }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { offset += 1 }
    }

    mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard current == byte else { throw error("expected '\(literal)'") }
            offset += 1
        }
    }

    mutating func parseValue(depth: Int) throws -> JSON {
        guard depth < 2_000 else { throw error("nesting too deep") }
        guard let byte = current else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["):
            offset += 1
            var items: [JSON] = []
            skipSpace()
            if current == UInt8(ascii: "]") { offset += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard let next = current else { throw error("unterminated array") }
                offset += 1
                if next == UInt8(ascii: "]") { return .array(items) }
                guard next == UInt8(ascii: ",") else { offset -= 1; throw error("expected ',' or ']'") }
            }
        case UInt8(ascii: "{"):
            offset += 1
            var members: [(String, JSON)] = []
            skipSpace()
            if current == UInt8(ascii: "}") { offset += 1; return .object(members) }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let key = try parseString()
                skipSpace()
                try expect(":")
                skipSpace()
                members.append((key, try parseValue(depth: depth + 1)))
                skipSpace()
                guard let next = current else { throw error("unterminated object") }
                offset += 1
                if next == UInt8(ascii: "}") { return .object(members) }
                guard next == UInt8(ascii: ",") else { offset -= 1; throw error("expected ',' or '}'") }
            }
        default:
            return try parseNumber()
        }
    }

    /// Checks one value's syntax and moves past it without building anything.
    mutating func skipValue(depth: Int) throws {
        guard depth < 2_000 else { throw error("nesting too deep") }
        guard let byte = current else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let isObject = byte == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            offset += 1
            skipSpace()
            if current == close { offset += 1; return }
            while true {
                skipSpace()
                if isObject {
                    guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
                    try skipString()
                    skipSpace()
                    try expect(":")
                    skipSpace()
                }
                try skipValue(depth: depth + 1)
                skipSpace()
                guard let next = current else { throw error("unterminated container") }
                offset += 1
                if next == close { return }
                guard next == UInt8(ascii: ",") else { offset -= 1; throw error("expected ',' or a closing bracket") }
            }
        default:
            try skipNumber()
        }
    }

    /// Checks a number's grammar (`-? digits (. digits)? ([eE] [+-]? digits)?`) and moves
    /// past it without converting it: the hit path skips a manifest's metadata, whose
    /// timestamps went through `strtod` for nothing (perf).
    private mutating func skipNumber() throws {
        let start = offset
        func digits(_ parser: inout JSONParser) -> Bool {
            let first = parser.offset
            while let byte = parser.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { parser.offset += 1 }
            return parser.offset > first
        }
        if current == UInt8(ascii: "-") { offset += 1 }
        guard digits(&self) else {
            offset = start
            if let byte = current { throw error("unexpected character '\(Unicode.Scalar(byte))'") }
            throw error("unexpected end of input")
        }
        if current == UInt8(ascii: ".") {
            offset += 1
            guard digits(&self) else { throw error("expected digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits(&self) else { throw error("expected digits in the exponent") }
        }
    }

    private mutating func skipString() throws {
        offset += 1
        // Jump from quote to quote with memchr (skipping a manifest's digests byte by byte
        // was a tenth of a count query, perf); a quote after an odd run of backslashes is
        // escaped.
        let base = bytes.baseAddress!
        while offset < bytes.count {
            guard let found = memchr(base + offset, Int32(UInt8(ascii: "\"")), bytes.count - offset) else { break }
            let quote = UnsafeRawPointer(found) - base
            var backslashes = 0
            while quote - backslashes - 1 >= offset, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            offset = quote + 1
            if backslashes % 2 == 0 { return }
        }
        offset = bytes.count
        throw error("unterminated string")
    }

    mutating func parseNumber() throws -> JSON {
        let start = offset
        var isInteger = true
        while let byte = current {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): offset += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): isInteger = false; offset += 1
            default:
                if offset == start { throw error("unexpected character '\(Unicode.Scalar(byte))'") }
                return try number(start: start, isInteger: isInteger)
            }
        }
        guard offset > start else { throw error("unexpected end of input") }
        return try number(start: start, isInteger: isInteger)
    }

    private func number(start: Int, isInteger: Bool) throws -> JSON {
        if isInteger, offset - start <= 18 {
            // Up to 18 digits cannot overflow Int64: accumulate without making a String.
            var index = start
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: Int64 = 0
            var digits = 0
            while index < offset, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
                digits += 1
            }
            if index == offset && digits > 0 { return .int(negative ? -value : value) }
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
        if isInteger, let number = Int64(String(decoding: text, as: UTF8.self)) { return .int(number) }
        guard let number = Self.double(text), number.isFinite || isInteger else {
            throw JSONParseError(offset: start, reason: "invalid number '\(String(decoding: text, as: UTF8.self))'")
        }
        return .double(number)
    }

    /// Parses a JSON number's text (already checked to hold only `0-9 + - . e E`) as the
    /// correctly rounded double, or `nil`. Straight from the bytes with `strtod`: going
    /// through a `String` allocated for every number longer than 15 characters (timestamps)
    /// was a twentieth of a hit (perf). A process that set a locale whose decimal point is not
    /// `.` makes `strtod` stop early; the text then goes through Swift's parser.
    static func double(_ text: UnsafeRawBufferPointer) -> Double? {
        guard !text.isEmpty, text.count < 64 else { return Double(String(decoding: text, as: UTF8.self)) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer -> Double? in
            for (index, byte) in text.enumerated() { buffer[index] = CChar(bitPattern: byte) }
            buffer[text.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard end == buffer.baseAddress! + text.count else { return Double(String(decoding: text, as: UTF8.self)) }
            return value
        }
    }

    /// A string value holding a full hex digest, parsed from the bytes without making a
    /// `String`; `nil` (having consumed the value) for any other value.
    mutating func parseDigest() throws -> Digest? {
        guard current == UInt8(ascii: "\"") else {
            _ = try parseValue(depth: 1)
            return nil
        }
        let start = offset + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
            _ = try parseString()
            return nil
        }
        offset = end + 1
        return Digest.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<end])).map(Digest.init(bytes:))
    }

    mutating func parseString() throws -> String {
        offset += 1  // opening quote
        let start = offset
        // Fast path: no escapes; pure ASCII needs no UTF-8 validation (measured: validation
        // was a fifth of manifest parsing, on the hit path).
        var ascii = true
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            ascii = ascii && byte < 0x80
            offset += 1
        }
        guard let stop = current else { throw error("unterminated string") }
        if stop == UInt8(ascii: "\"") {
            defer { offset += 1 }
            if ascii { return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self) }
            return try decodeUTF8(start..<offset)
        }
        var out = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
        while true {
            guard let byte = current else { throw error("unterminated string") }
            offset += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard let escape = current else { throw error("unterminated escape") }
            offset += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(escape)
            case UInt8(ascii: "\\"): out.append(escape)
            case UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    try expect("\\u")
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: throw error("invalid escape")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
        return text
    }

    private mutating func parseHex4() throws -> UInt32 {
        var result: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let nibble = Hex.nibble(byte) else { throw error("invalid \\u escape") }
            result = result << 4 | UInt32(nibble)
            offset += 1
        }
        return result
    }

    private func decodeUTF8(_ range: Range<Int>) throws -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard let text = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw error("invalid UTF-8 in string")
        }
        return text
    }
}
