import FlecheValue
import Foundation

extension FuzzTarget {
    /// RFC 8259 text: the tree parser (`JSON.parse`) and the scanner the manifest reader uses
    /// accept the same documents; what the tree accepts it writes back and reads again equal;
    /// and Foundation's `JSONSerialization` agrees on validity except where we are stricter
    /// on purpose (`Departure`).
    package static let json = FuzzTarget(name: "json") { bytes in
        let tree = Result { try JSON.parse(bytes) }
        let scanned = Result {
            var scanner = JSONParser(bytes: bytes)
            scanner.skipSpace()
            try scanner.skipValue(depth: 0)
            try scanner.finish()
        }

        switch (tree, scanned) {
        case (.success(let value), .success):
            let again = Result { try JSON.parse(value.serialized()) }
            try require((try? again.get()) == value, "\(value) does not survive writing and reading back")
        case (.success, .failure(let error)):
            try require(false, "the tree parser accepts what the scanner refuses (\(error))")
        case (.failure(let error), .success):
            try require(false, "the scanner accepts what the tree refuses (\(error))")
        case (.failure, .failure):
            break
        }

        let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
        switch tree {
        case .success:
            try require(foundation || JSONDeparture.foundationRefuses(bytes), "Foundation refuses a document we accept")
        case .failure(let error):
            try require(!foundation || JSONDeparture(error, bytes) != nil, "Foundation accepts a document we refuse (\(error))")
        }
    }
}

/// Where Foundation's `JSONSerialization` and RFC 8259 part: Foundation accepts these and
/// we refuse them (JSONGrammarTests lists one case of each).
enum JSONDeparture: Equatable {
    /// `[1,]`, `{"a":1,}`.
    case trailingComma
    /// `1e400`: Foundation reads infinity, which a tree of finite numbers cannot hold.
    case numberOutOfRange
    /// `"\ud83d"`: no Swift `String` can hold it.
    case loneSurrogate
    /// `1` followed by a NUL byte: Foundation ends the text at a NUL (or reads NULs as
    /// UTF-16 or UTF-32); RFC 8259 text is UTF-8 and NUL is no white space.
    case nulByte

    init?(_ error: any Error, _ bytes: UnsafeRawBufferPointer) {
        guard let error = error as? JSONParseError else { return nil }
        if error.offset < bytes.count, bytes[error.offset] == 0 {
            self = .nulByte
        } else if error.reason.hasPrefix("number out of range") {
            self = .numberOutOfRange
        } else if error.reason == "unpaired surrogate" {
            self = .loneSurrogate
        } else if error.offset < bytes.count, bytes[error.offset] == UInt8(ascii: "]") || bytes[error.offset] == UInt8(ascii: "}"),
            let before = bytes[..<error.offset].lastIndex(where: { !JSONDeparture.isSpace($0) }), bytes[before] == UInt8(ascii: ",")
        {
            self = .trailingComma
        } else {
            return nil
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Foundation refuses nesting deeper than 512 levels; we accept up to 2,000.
    static func foundationRefuses(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1; deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest > 512
    }
}
