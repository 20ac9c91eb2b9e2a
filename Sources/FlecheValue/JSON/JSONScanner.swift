import FlecheSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

// The scanning half of the reader: walking a document without building it. The store's
// manifest decoder reads only the members it needs and skips the rest; skipping checks the
// same RFC 8259 grammar as parsing, so a document one half accepts the other accepts too.

extension JSON {
    /// Reads a top-level JSON object, building values only for the members named in `keep`
    /// (a handful: a linear scan beats hashing every name) and checking the syntax of the
    /// others without building them. Returns them in `keep`'s order, `nil` for an absent one.
    /// A member named in `keep` that appears twice is an error (a reader that looked at each
    /// occurrence would see another document than one that kept the last).
    package static func parseMembers(_ bytes: UnsafeRawBufferPointer, keep: [String]) throws -> [JSON?] {
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
                    guard kept[index] == nil else { throw parser.error("duplicate member '\(key)'") }
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

extension JSONParser {
    /// Calls `body` with each member name of the object that starts here; `body` must read
    /// or skip the member's value.
    package mutating func forEachMember(_ body: (inout JSONParser, String) throws -> Void) throws {
        try walkContainer(keyed: true) { parser, key in try body(&parser, key!) }
    }

    /// Calls `body` at each element of the array that starts here; `body` must read or skip
    /// the element.
    package mutating func forEachElement(_ body: (inout JSONParser) throws -> Void) throws {
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

    /// Checks one value's syntax and moves past it without building anything.
    package mutating func skipValue(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw error("nesting too deep") }
        if depth & 31 == 31, !stack.hasRoom() { throw error("nesting too deep for this thread's stack") }
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
            // Checked, not converted: the hit path skips a manifest's timestamps, which went
            // through `strtod` for nothing (perf). Only a number that may exceed a double's
            // range is converted, so that what the scanner accepts the tree parser accepts
            // (the manifest fuzz target found `1e40031` skipped by one and refused by the other).
            let (start, _, mayExceedDouble) = try scanNumber()
            if mayExceedDouble { _ = try finiteDouble(from: start) }
        }
    }

    /// Checks a string's syntax (escapes, no raw control characters, valid UTF-8) and moves
    /// past it. Plain runs are crossed eight bytes at a time, then byte by byte through
    /// a raw pointer: skipping a manifest's digests byte by byte through the checked
    /// accessors was a tenth of a count query (perf), and a checked SWAR loop cost 5% more
    /// instructions per hit than the unchecked `memchr` it replaced (callgrind).
    package mutating func skipString() throws {
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = bytes.count
        var index = offset + 1  // past the opening quote
        while true {
            while index &+ 8 <= end,
                  !Self.needsAttention(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                index &+= 8
            }
            while index < end {
                let byte = base[index]
                if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 { break }
                index &+= 1
            }
            offset = index
            guard index < end else { throw error("unterminated string") }
            switch base[index] {
            case 0x22:
                offset = index + 1
                return
            case 0x5C:
                offset += 1
                try skipEscape()
            case 0..<0x20:
                throw error("unescaped control character in a string")
            default:
                try skipUTF8Sequence()
            }
            index = offset
        }
    }

    /// Whether any of the eight bytes of `word` is a quote, a backslash, a control character
    /// or not ASCII: the bytes a plain run of a string cannot hold.
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> UInt64 { (value &- ones) & ~value }
        let flags = (hasZeroByte(word ^ (ones &* 0x22)) | hasZeroByte(word ^ (ones &* 0x5C)) | (word &- ones &* 0x20)) & ~word
        return (flags | word) & highs != 0
    }

    /// Moves past the escape after a backslash.
    private mutating func skipEscape() throws {
        guard let escape = current else { throw error("unterminated escape") }
        offset += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            _ = try parseUnicodeEscape()
        default:
            offset -= 1
            throw error("invalid escape '\\\(Unicode.Scalar(escape))'")
        }
    }

    /// Moves past one UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    private mutating func skipUTF8Sequence() throws {
        let lead = bytes[offset]
        let (length, low, high): (Int, UInt8, UInt8) = switch lead {
        case 0xC2...0xDF: (2, 0x80, 0xBF)
        case 0xE0: (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
        case 0xED: (3, 0x80, 0x9F)
        case 0xF0: (4, 0x90, 0xBF)
        case 0xF1...0xF3: (4, 0x80, 0xBF)
        case 0xF4: (4, 0x80, 0x8F)
        default: throw error("invalid UTF-8 in string")
        }
        guard offset + length <= bytes.count else { throw error("invalid UTF-8 in string") }
        let second = bytes[offset + 1]
        guard second >= low, second <= high else { throw error("invalid UTF-8 in string") }
        for index in 2..<length where bytes[offset + index] & 0xC0 != 0x80 { throw error("invalid UTF-8 in string") }
        offset += length
    }

    /// A string value holding a full hex digest, parsed from the bytes without making a
    /// `String`; `nil` (having checked and consumed the value) for any other value.
    package mutating func parseDigest() throws -> Digest? {
        guard let text = try digestText() else { return nil }
        return Digest(bytes: Digest.parse(text)!)
    }

    /// Like ``parseDigest()``, but returns the digest's hex text in place (checked: 32 or 64
    /// hex digits), making nothing: for a reader that needs the digest only sometimes.
    package mutating func digestText() throws -> UnsafeRawBufferPointer? {
        guard current == UInt8(ascii: "\"") else {
            try skipValue(depth: 1)
            return nil
        }
        // One pass that finds the closing quote and checks the digits (by ranges: the lookup
        // table is a lazy global, whose `swift_once` check per byte cost more than the test).
        let start = offset + 1
        var end = start
        var allHex = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            let lower = byte | 0x20
            allHex = allHex && ((byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f")))
            end += 1
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if allHex, end < bytes.count, bytes[end] == UInt8(ascii: "\""), text.count == 64 || text.count == 32 {
            offset = end + 1
            return text
        }
        try skipString()
        return nil
    }
}
