import FlecheValue

/// A check of `fleche.toml` text before it reaches toml++ (through TOMLKit), for the inputs
/// that toml++ 3 does not refuse but trips over: a table header whose name does not start
/// with a key character (`[`, then a newline, `=`, `#`, `,` …) reaches an assertion in its
/// key parser, which aborts the process (and is undefined behaviour where assertions are
/// compiled out). The `toml` fuzz target found it; Fuzz/Regressions/toml holds the input.
///
/// It walks the text as TOML's lexer does (strings, comments, brackets of values) only far
/// enough to find table headers; everything else is left to toml++.
enum TOMLPreflight {
    /// The first problem found, as "line N: reason", or `nil`.
    static func problem(in text: String) -> String? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var valueDepth = 0  // brackets and braces open in a value
        var atLineStart = true
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func startsWith(_ token: String) -> Bool {
            let token = Array(token.utf8)
            return index + token.count <= bytes.count && Array(bytes[index..<index + token.count]) == token
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                atLineStart = true
                index += 1
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
                continue
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let quote = byte
                let triple = at(1) == quote && at(2) == quote
                if triple {
                    index += 3
                    let closing = String(repeating: Character(Unicode.Scalar(quote)), count: 3)
                    while index < bytes.count, !startsWith(closing) {
                        if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                        if quote == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\") { index += 1 }
                        index += 1
                    }
                    index += 3
                    while index < bytes.count, bytes[index] == quote { index += 1 }  // up to two quotes may end the content
                } else {
                    index += 1
                    while index < bytes.count, bytes[index] != quote, bytes[index] != UInt8(ascii: "\n") {
                        if quote == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\") { index += 1 }
                        index += 1
                    }
                    index += 1
                }
            case UInt8(ascii: "["):
                if atLineStart, valueDepth == 0 {
                    // A table header: the name must start right away with a key character.
                    var next = index + 1
                    if next < bytes.count, bytes[next] == UInt8(ascii: "[") { next += 1 }
                    while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\t") { next += 1 }
                    guard next < bytes.count, isKeyStart(bytes[next]) || bytes[next] == UInt8(ascii: "]") else {
                        return "line \(line): a table header must name a table, as in [name] or [[name]]"
                    }
                    // Skip the header's name to its closing bracket on this line.
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n"), bytes[index] != UInt8(ascii: "]") {
                        if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") { break }
                        index += 1
                    }
                    if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1 }
                } else {
                    valueDepth += 1
                    index += 1
                }
            case UInt8(ascii: "{"):
                valueDepth += 1
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                valueDepth = max(0, valueDepth - 1)
                index += 1
            default:
                index += 1
            }
            atLineStart = false
        }
        return nil
    }

    /// A character a bare or quoted key can start with.
    private static func isKeyStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
