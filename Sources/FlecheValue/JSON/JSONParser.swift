import FlecheSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// Text that is not valid JSON (RFC 8259).
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    /// The byte offset where the text stops being JSON.
    public let offset: Int
    /// What was expected there.
    public let reason: String
    /// "invalid JSON at byte N: reason".
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSON {
    /// Parses one JSON document (RFC 8259; surrounding white space allowed).
    /// - Throws: ``JSONParseError`` for anything else, including numbers such as `01`, `1.`,
    ///   `.5` and `+1`, raw control characters in strings, and nesting deeper than 2,000.
    public static func parse(_ text: String) throws -> JSON {
        var text = text
        return try text.withUTF8 { (buffer) throws -> JSON in try parse(UnsafeRawBufferPointer(buffer)) }
    }

    /// Parses one JSON document from UTF-8 bytes.
    /// - Throws: ``JSONParseError``, as ``parse(_:)-(String)``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSON {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0)
        try parser.finish()
        return value
    }

    /// Parses one JSON document from UTF-8 bytes.
    /// - Throws: ``JSONParseError``, as ``parse(_:)-(String)``.
    public static func parse(_ bytes: [UInt8]) throws -> JSON {
        try bytes.withUnsafeBytes { (buffer) throws -> JSON in try parse(buffer) }
    }
}

/// A reader over JSON text: ``parseValue(depth:)`` builds a ``JSON`` tree; the scanning
/// half (``skipValue(depth:)``, ``forEachMember(_:)``, ``parseDigest()``, in
/// JSONScanner.swift) lets decoders such as the store's manifest reader walk a document
/// without building it. Both follow one grammar, RFC 8259's.
package struct JSONParser {
    package let bytes: UnsafeRawBufferPointer
    package var offset = 0
    /// The stack check of this parse (a parser reads on one thread).
    var stack = StackSpace.Check()

    /// The deepest nesting of arrays and objects accepted, so that hostile input cannot
    /// exhaust the stack.
    package static let maximumDepth = 2_000

    package init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Checks that only white space follows.
    package mutating func finish() throws {
        skipSpace()
        guard offset == bytes.count else { throw error("trailing characters") }
    }

    package func error(_ reason: String) -> JSONParseError { JSONParseError(offset: offset, reason: reason) }

    // `current` and `skipSpace()` run once per byte of every manifest the store reads, from
    // another module: inlinable, or each is a call (5% more instructions per hit, callgrind).
    @inlinable
    package var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    @inlinable @inline(__always)
    package mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { offset += 1 }
    }

    package mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard current == byte else { throw error("expected '\(literal)'") }
            offset += 1
        }
    }

    // MARK: Values

    /// Parses the value that starts here into a tree.
    package mutating func parseValue(depth: Int) throws -> JSON {
        guard depth < Self.maximumDepth else { throw error("nesting too deep") }
        if depth & 31 == 31, !stack.hasRoom() { throw error("nesting too deep for this thread's stack") }
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

    // MARK: Numbers

    /// Moves past a number that follows RFC 8259's grammar,
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and tells whether it has
    /// neither fraction nor exponent and whether it may be beyond a double's range (only one
    /// with more than 200 integer digits or an exponent of three digits or more can be: 200
    /// digits with a two-digit exponent stay under 10^300, whatever the fraction; a
    /// timestamp's 18 characters are far from it, and were converted for nothing on every
    /// hit when the bound was 15 characters). `+1`, `01`, `.5`, `1.` and `1e` are errors.
    @inline(__always)
    package mutating func scanNumber() throws -> (start: Int, isInteger: Bool, mayExceedDouble: Bool) {
        let start = offset
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
        func digits(_ parser: inout JSONParser) {
            while isDigit(parser.current) { parser.offset += 1 }
        }
        if current == UInt8(ascii: "-") { offset += 1 }
        switch current {
        case UInt8(ascii: "0")?:
            offset += 1
            if isDigit(current) { throw error("a number may not start with 0 followed by digits") }
        case let byte? where isDigit(byte):
            digits(&self)
        case let byte?:
            throw error(offset == start ? "unexpected character '\(Unicode.Scalar(byte))'" : "expected a digit after '-'")
        case nil:
            throw error("unexpected end of input")
        }
        let integerLength = offset - start
        var isInteger = true
        if current == UInt8(ascii: ".") {
            offset += 1
            guard isDigit(current) else { throw error("expected digits after '.'") }
            digits(&self)
            isInteger = false
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard isDigit(current) else { throw error("expected digits in the exponent") }
            let exponentStart = offset
            digits(&self)
            isInteger = false
            if offset - exponentStart > 2 { return (start, false, true) }
        }
        return (start, isInteger, integerLength > 200)
    }

    /// Parses a number: ``JSON/int(_:)`` for an integer that fits 64 bits, else
    /// ``JSON/double(_:)`` (an integer beyond 64 bits rounds to the nearest double). A number
    /// beyond a double's range, integer or not, is refused: no tree of finite numbers holds it.
    mutating func parseNumber() throws -> JSON {
        let (start, isInteger, _) = try scanNumber()
        if isInteger, offset - start <= 18 {
            // Up to 18 digits cannot overflow Int64: accumulate without making a String.
            var index = start
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: Int64 = 0
            while index < offset {
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return .int(negative ? -value : value)
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
        if isInteger, let number = Int64(String(decoding: text, as: UTF8.self)) { return .int(number) }
        return .double(try finiteDouble(from: start))
    }

    /// The number from `start` to here as a double, or an error if it is beyond a double's range.
    func finiteDouble(from start: Int) throws -> Double {
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
        guard let number = Self.double(text), number.isFinite else {
            throw JSONParseError(offset: start, reason: "number out of range '\(String(decoding: text, as: UTF8.self))'")
        }
        return number
    }

    /// Parses a JSON number's text (already checked against the grammar) as the correctly
    /// rounded double, or `nil`. Straight from the bytes with `strtod`: going through a
    /// `String` allocated for every number longer than 15 characters (timestamps) was a
    /// twentieth of a hit (perf). A process that set a locale whose decimal point is not `.`
    /// makes `strtod` stop early; the text then goes through Swift's parser.
    static func double(_ text: UnsafeRawBufferPointer) -> Double? {
        if let exact = exactDouble(text) { return exact }
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

    /// Exact powers of ten as doubles: every one up to 10^22 is representable.
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { product, _ in product * 10 }
    }

    /// The double of a number's text (checked against the grammar) when it has at most 15
    /// significant digits and a decimal exponent within ±22, else `nil`: then the digits and
    /// the power of ten are both exact doubles and one multiplication or division rounds
    /// correctly (Clinger's fast path), as `strtod` would. Most numbers a manifest holds
    /// ("1990.0", "0.25", "1e-06") take it; `strtod` was a twentieth of a hit (callgrind).
    static func exactDouble(_ text: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var digits: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawPoint = false
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                sawPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if digits != 0 || byte != UInt8(ascii: "0") { significant += 1 }
                guard significant <= 15 else { return nil }
                digits = digits * 10 + UInt64(byte - UInt8(ascii: "0"))
                if sawPoint { exponent -= 1 }
            } else {
                break
            }
            index += 1
        }
        if index < text.count {  // an exponent: 'e' or 'E', a sign, digits
            index += 1
            var exponentNegative = false
            if index < text.count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            while index < text.count {
                guard written < 1000 else { return nil }
                written = written * 10 + Int(text[index] - UInt8(ascii: "0"))
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }
        guard exponent >= -22, exponent <= 22 else { return digits == 0 ? (negative ? -0.0 : 0.0) : nil }
        var value = Double(digits)
        value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
        return negative ? -value : value
    }

    // MARK: Strings

    /// Parses the string that starts here (at its opening quote).
    package mutating func parseString() throws -> String {
        offset += 1  // opening quote
        let start = offset
        // Fast path: no escapes; pure ASCII needs no UTF-8 validation (measured: validation
        // was a fifth of manifest parsing, on the hit path).
        var ascii = true
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw error("unescaped control character in a string") }
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
            if byte == UInt8(ascii: "\"") { offset += 1; break }
            guard byte == UInt8(ascii: "\\") else {
                guard byte >= 0x20 else { throw error("unescaped control character in a string") }
                out.append(byte)
                offset += 1
                continue
            }
            offset += 1
            guard let escape = current else { throw error("unterminated escape") }
            offset += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                out.append(contentsOf: String(Character(try parseUnicodeEscape())).utf8)
            default:
                offset -= 1
                throw error("invalid escape '\\\(Unicode.Scalar(escape))'")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
        return text
    }

    /// The scalar of a `\uXXXX` escape (after its `\u`), joining a surrogate pair; a lone
    /// surrogate is an error (it has no scalar to become).
    mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        var scalar = try parseHex4()
        if (0xD800..<0xDC00).contains(scalar) {
            try expect("\\u")
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
        return unicode
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
            throw JSONParseError(offset: range.lowerBound, reason: "invalid UTF-8 in string")
        }
        return text
    }
}
