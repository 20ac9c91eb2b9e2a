import FlecheValue

/// A reader of TOML 1.0 (toml.io/en/v1.0.0) that gives the document as ``JSON``: tables as
/// objects in the order their keys were written, integers as `.int`, floats as `.double`,
/// dates and times as the RFC 3339 strings written.
///
/// Fleche reads `fleche.toml` with it rather than a C++ library: the `toml` fuzz target made
/// toml++ 3 (through TOMLKit) abort the process on texts such as `pool = [ }`, and a
/// configuration file is input that must get a clear error, never a crash. Every loop
/// advances through the text, and tables (a header's or a dotted key's parts count, one
/// level each), arrays and inline tables nest at most ``maximumNesting`` deep, so no input
/// hangs the reader or overflows its stack.
struct TOMLReader {
    /// How deep tables, arrays and inline tables may nest in a document.
    static let maximumNesting = 100

    /// Parses `text`; the first thing that is not TOML is a ``TOMLSyntaxError``.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> JSON {
        var reader = TOMLReader(bytes: Array(text.utf8))
        return try reader.document().json
    }

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: Document

    /// Reads the whole text: key/value lines, `[table]` and `[[array]]` headers, comments.
    private mutating func document() throws(TOMLSyntaxError) -> TOMLTable {
        let root = TOMLTable(origin: .header)
        var current = root
        var currentDepth = 0
        while true {
            try skipWhitespaceAndComments()
            guard let byte = peek() else { return root }
            let start = index
            if byte == UInt8(ascii: "[") {
                let isArray = peek(1) == UInt8(ascii: "[")
                index += isArray ? 2 : 1
                skipBlanks()
                let path = try key()
                guard path.count <= Self.maximumNesting else { throw tooDeep(at: start) }
                skipBlanks()
                try expect(isArray ? "]]" : "]", "a table header ends with \(isArray ? "]]" : "]")")
                currentDepth = path.count
                current = try rule(at: start) { () throws(TOMLRuleError) in
                    var table = root
                    for part in path.dropLast() { table = try table.parentForHeader(part) }
                    return isArray ? try table.appendTable(path.last!) : try table.defineTable(path.last!)
                }
            } else {
                try keyValue(into: current, depth: currentDepth)
            }
            try endOfLine()
        }
    }

    /// `key = value` (the key may be dotted) into `table`, which is `depth` tables deep.
    private mutating func keyValue(into table: TOMLTable, depth: Int) throws(TOMLSyntaxError) {
        let start = index
        let path = try key()
        // `a.b.c = v` puts `v` in the table `a.b`, two levels below this one.
        guard depth + path.count - 1 <= Self.maximumNesting else { throw tooDeep(at: start) }
        skipBlanks()
        try expect("=", "a key is followed by '='")
        skipBlanks()
        let value = try value(depth: depth + path.count - 1)
        try rule(at: start) { () throws(TOMLRuleError) in try table.define(dottedKey: path, value) }
    }

    /// The error for tables, arrays and inline tables nested too deep.
    func tooDeep(at position: Int) -> TOMLSyntaxError {
        error("tables, arrays and inline tables nest more than \(Self.maximumNesting) deep", at: position)
    }

    /// A key: bare, quoted or literal parts joined by dots (blanks allowed around the dots).
    mutating func key() throws(TOMLSyntaxError) -> [String] {
        var parts: [String] = []
        while true {
            parts.append(try simpleKey())
            skipBlanks()
            guard peek() == UInt8(ascii: ".") else { return parts }
            index += 1
            skipBlanks()
        }
    }

    private mutating func simpleKey() throws(TOMLSyntaxError) -> String {
        switch peek() {
        case UInt8(ascii: "\"")?:
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { throw error("a key cannot be a multi-line string") }
            return try basicString()
        case UInt8(ascii: "'")?:
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { throw error("a key cannot be a multi-line string") }
            return try literalString()
        default:
            let start = index
            while let byte = peek(), Self.isBareKeyByte(byte) { index += 1 }
            guard index > start else { throw error(peek() == nil ? "a key is missing at the end of the text" : "a key is missing here") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    // MARK: Blanks, comments, line ends

    func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    /// Spaces and tabs.
    mutating func skipBlanks() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    /// After a statement: blanks, a comment, then a line end or the end of the text.
    private mutating func endOfLine() throws(TOMLSyntaxError) {
        skipBlanks()
        if peek() == UInt8(ascii: "#") { try comment() }
        switch peek() {
        case nil: return
        case UInt8(ascii: "\n")?: index += 1
        case UInt8(ascii: "\r")? where peek(1) == UInt8(ascii: "\n"): index += 2
        default: throw error("expected the end of the line")
        }
    }

    /// `# …` up to the line end; control characters other than tab are refused.
    mutating func comment() throws(TOMLSyntaxError) {
        index += 1
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { return }
            if Self.isControl(byte) { throw error("a comment cannot hold control character \(Self.describe(byte))") }
            index += 1
        }
    }

    /// Blanks, comments and line ends: between statements, and inside an array.
    mutating func skipWhitespaceAndComments() throws(TOMLSyntaxError) {
        while true {
            skipBlanks()
            switch peek() {
            case UInt8(ascii: "\n")?: index += 1
            case UInt8(ascii: "\r")? where peek(1) == UInt8(ascii: "\n"): index += 2
            case UInt8(ascii: "#")?: try comment()
            default: return
            }
        }
    }

    /// Control characters TOML allows in no string or comment (tab aside).
    static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
    }

    static func describe(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    // MARK: Errors

    mutating func expect(_ token: String, _ reason: String) throws(TOMLSyntaxError) {
        for byte in token.utf8 {
            guard peek() == byte else { throw error(reason) }
            index += 1
        }
    }

    func error(_ reason: String, at offset: Int? = nil) -> TOMLSyntaxError {
        TOMLSyntaxError(reason, at: offset ?? index, in: bytes)
    }

    /// Runs a table rule, placing its error at `offset` (the start of the statement).
    func rule<T>(at offset: Int, _ body: () throws(TOMLRuleError) -> T) throws(TOMLSyntaxError) -> T {
        do {
            return try body()
        } catch {
            throw self.error(error.reason, at: offset)
        }
    }
}
