import FlecheValue

/// The values of TOML: strings (four kinds), integers, floats, booleans, dates and times,
/// arrays and inline tables.
extension TOMLReader {
    /// The value at the reader's position; `depth` counts the arrays and inline tables around it.
    mutating func value(depth: Int) throws(TOMLSyntaxError) -> JSON {
        switch peek() {
        case nil:
            throw error("a value is missing at the end of the text")
        case UInt8(ascii: "\"")?:
            return .string(peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") ? try multiLineString(quote: UInt8(ascii: "\"")) : try basicString())
        case UInt8(ascii: "'")?:
            return .string(peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") ? try multiLineString(quote: UInt8(ascii: "'")) : try literalString())
        case UInt8(ascii: "[")?, UInt8(ascii: "{")?:
            guard depth < Self.maximumNesting else { throw tooDeep(at: index) }
            return peek() == UInt8(ascii: "[") ? try array(depth: depth) : try inlineTable(depth: depth)
        default:
            return try scalar()
        }
    }

    // MARK: Arrays and inline tables

    /// `[ value, value, ]`: across lines, with comments, a trailing comma allowed.
    private mutating func array(depth: Int) throws(TOMLSyntaxError) -> JSON {
        index += 1
        var items: [JSON] = []
        while true {
            try skipWhitespaceAndComments()
            if peek() == UInt8(ascii: "]") { index += 1; return .array(items) }
            items.append(try value(depth: depth + 1))
            try skipWhitespaceAndComments()
            switch peek() {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "]")?: index += 1; return .array(items)
            default: throw error("expected ',' or ']' after an array's element")
            }
        }
    }

    /// `{ key = value, a.b = value }`: on one line, no trailing comma; complete once written.
    private mutating func inlineTable(depth: Int) throws(TOMLSyntaxError) -> JSON {
        index += 1
        let table = TOMLTable(origin: .dotted)
        skipBlanks()
        if peek() == UInt8(ascii: "}") { index += 1; return table.json }
        while true {
            skipBlanks()
            if peek() == UInt8(ascii: "}") { throw error("an inline table cannot end with a comma") }
            let start = index
            let path = try key()
            // This table is one level below `depth`; `a.b = v` in it puts `v` one more down.
            guard depth + path.count <= Self.maximumNesting else { throw tooDeep(at: start) }
            skipBlanks()
            try expect("=", "a key is followed by '='")
            skipBlanks()
            let item = try value(depth: depth + path.count)
            try rule(at: start) { () throws(TOMLRuleError) in try table.define(dottedKey: path, item) }
            skipBlanks()
            switch peek() {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "}")?: index += 1; return table.json
            default: throw error("expected ',' or '}' after an inline table's value (an inline table is on one line)")
            }
        }
    }

    // MARK: Strings

    /// `"…"` with escapes.
    mutating func basicString() throws(TOMLSyntaxError) -> String {
        index += 1
        var text: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw error("a string is not closed on its line") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &text)
            default:
                guard !Self.isControl(byte) else { throw error("a string cannot hold control character \(Self.describe(byte)); escape it") }
                text.append(byte)
                index += 1
            }
        }
    }

    /// `'…'`, taken as written.
    mutating func literalString() throws(TOMLSyntaxError) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw error("a string is not closed on its line") }
            if byte == UInt8(ascii: "'") {
                index += 1
                return String(decoding: bytes[start..<index - 1], as: UTF8.self)
            }
            guard !Self.isControl(byte) else { throw error("a literal string cannot hold control character \(Self.describe(byte))") }
            index += 1
        }
    }

    /// `"""…"""` (escapes, and a backslash at a line's end joins lines) or `'''…'''` (as
    /// written). A line end right after the opening quotes is not part of the string; up to
    /// two quotes may end the content, just before the closing three.
    private mutating func multiLineString(quote: UInt8) throws(TOMLSyntaxError) -> String {
        index += 3
        if peek() == UInt8(ascii: "\n") {
            index += 1
        } else if peek() == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") {
            index += 2
        }
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("a multi-line string is not closed") }
            if byte == quote, peek(1) == quote, peek(2) == quote {
                var quotes = 3
                while peek(quotes) == quote { quotes += 1 }
                guard quotes <= 5 else { throw error("more than two quotes end a multi-line string") }
                text.append(contentsOf: repeatElement(quote, count: quotes - 3))
                index += quotes
                return String(decoding: text, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                if lineEndingBackslash() { continue }
                try escape(into: &text)
            } else if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
                text.append(byte)
                index += 1
            } else {
                guard !Self.isControl(byte) else { throw error("a string cannot hold control character \(Self.describe(byte))") }
                text.append(byte)
                index += 1
            }
        }
    }

    /// A backslash followed by blanks and a line end: skips it and all whitespace after it.
    private mutating func lineEndingBackslash() -> Bool {
        var probe = index + 1
        while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
        let newline = probe < bytes.count
            && (bytes[probe] == UInt8(ascii: "\n") || (bytes[probe] == UInt8(ascii: "\r") && probe + 1 < bytes.count && bytes[probe + 1] == UInt8(ascii: "\n")))
        guard newline else { return false }
        index = probe
        while let byte = peek(), [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(byte) {
            if byte == UInt8(ascii: "\r"), peek(1) != UInt8(ascii: "\n") { break }
            index += 1
        }
        return true
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`, appended to `text` as UTF-8.
    private mutating func escape(into text: inout [UInt8]) throws(TOMLSyntaxError) {
        let start = index
        index += 1
        guard let letter = peek() else { throw error("a string is not closed") }
        index += 1
        switch letter {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "\""): text.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): text.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = letter == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            for _ in 0..<count {
                guard let byte = peek(), let digit = Self.hexDigit(byte) else {
                    throw error("\\\(Character(Unicode.Scalar(letter))) takes \(count) hex digits", at: start)
                }
                code = code << 4 | UInt32(digit)
                index += 1
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("\\\(Character(Unicode.Scalar(letter))) names no Unicode scalar value", at: start) }
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("unknown escape in a string (\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
        }
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: Booleans, numbers, dates and times

    /// A value written without quotes or brackets.
    private mutating func scalar() throws(TOMLSyntaxError) -> JSON {
        let start = index
        while let byte = peek(), Self.isScalarByte(byte) { index += 1 }
        // A date, a space, a time: one value.
        if index - start == 10, bytes[start + 4] == UInt8(ascii: "-"), peek() == UInt8(ascii: " "),
            let next = peek(1), Self.isDigit(next), peek(3) == UInt8(ascii: ":")
        {
            index += 1
            while let byte = peek(), Self.isScalarByte(byte) { index += 1 }
        }
        let token = Array(bytes[start..<index])
        guard !token.isEmpty else { throw error(peek().map { "a value is missing before '\(Character(Unicode.Scalar($0)))'" } ?? "a value is missing") }
        switch String(decoding: token, as: UTF8.self) {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .double(.infinity)
        case "-inf": return .double(-.infinity)
        case "nan", "+nan", "-nan": return .double(.nan)
        default: break
        }
        if token.contains(UInt8(ascii: ":")) || (token.count >= 10 && token[4] == UInt8(ascii: "-") && token[0...3].allSatisfy(Self.isDigit)) {
            guard TOMLDateTime.isValid(token) else { throw error("not a valid date or time (RFC 3339: 1979-05-27T07:32:00Z)", at: start) }
            return .string(String(decoding: token, as: UTF8.self))
        }
        guard let number = TOMLNumber.parse(token) else {
            let text = String(decoding: token.prefix(40), as: UTF8.self)
            throw error("'\(text)' is not a TOML value (strings are quoted; numbers have no leading zeros)", at: start)
        }
        return number
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isScalarByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }
}
