import FlecheValue

/// TOML's integers (decimal with an optional sign, `0x`, `0o`, `0b`; `_` only between digits;
/// no leading zeros; 64-bit) and floats (a fraction, an exponent or both).
enum TOMLNumber {
    /// The number `token` spells, or `nil` if it spells none (or an integer out of range).
    static func parse(_ token: [UInt8]) -> JSON? {
        var body = token[...]
        var sign: UInt8?
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            sign = first
            body = body.dropFirst()
        }
        if body.count > 2, body.first == UInt8(ascii: "0"), let radix = radix(body[body.startIndex + 1]) {
            guard sign == nil else { return nil }
            let digits = body.dropFirst(2)
            guard isDigits(digits, radix: radix), let value = Int64(String(decoding: digits.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self), radix: radix) else {
                return nil
            }
            return .int(value)
        }
        let exponentAt = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = body[..<(exponentAt ?? body.endIndex)]
        let pointAt = mantissa.firstIndex(of: UInt8(ascii: "."))
        let whole = mantissa[..<(pointAt ?? mantissa.endIndex)]
        guard isDigits(whole, radix: 10), whole.count == 1 || whole.first != UInt8(ascii: "0") else { return nil }
        if let pointAt {
            guard isDigits(mantissa[(pointAt + 1)...], radix: 10) else { return nil }
        }
        if let exponentAt {
            var exponent = body[(exponentAt + 1)...]
            if let first = exponent.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { exponent = exponent.dropFirst() }
            guard isDigits(exponent, radix: 10) else { return nil }
        }
        let plain = String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        if pointAt == nil, exponentAt == nil {
            return Int64(plain).map(JSON.int)
        }
        return Double(plain).map(JSON.double)
    }

    private static func radix(_ letter: UInt8) -> Int? {
        switch letter {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    /// One or more digits of `radix`, with single underscores only between digits.
    private static func isDigits(_ text: ArraySlice<UInt8>, radix: Int) -> Bool {
        var previousWasDigit = false
        for byte in text {
            if byte == UInt8(ascii: "_") {
                guard previousWasDigit else { return false }
                previousWasDigit = false
            } else {
                guard let digit = TOMLReader.hexDigit(byte), Int(digit) < radix else { return false }
                previousWasDigit = true
            }
        }
        return previousWasDigit
    }
}

/// TOML's dates and times (RFC 3339): an offset date-time, a local date-time, a local date,
/// a local time. The reader keeps them as the text written; this checks that the text is one.
enum TOMLDateTime {
    /// Whether `token` is a date, a time or both, with real months, days, hours and minutes.
    static func isValid(_ token: [UInt8]) -> Bool {
        var reader = Digits(bytes: token)
        if token.count >= 5, token[4] == UInt8(ascii: "-") {
            guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
                let day = reader.number(2), (1...12).contains(month), day >= 1, day <= days(in: month, of: year)
            else { return false }
            if reader.atEnd { return true }
            guard let separator = reader.next(), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(separator),
                reader.time()
            else { return false }
            if reader.atEnd { return true }
            if reader.skip("Z") || reader.skip("z") { return reader.atEnd }
            guard let sign = reader.next(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
                let hours = reader.number(2), reader.skip(":"), let minutes = reader.number(2)
            else { return false }
            return hours < 24 && minutes < 60 && reader.atEnd
        }
        return reader.time() && reader.atEnd
    }

    private static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private struct Digits {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func next() -> UInt8? {
            guard index < bytes.count else { return nil }
            index += 1
            return bytes[index - 1]
        }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Exactly `count` decimal digits.
        mutating func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard TOMLReader.isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        /// `HH:MM:SS` and an optional fraction of a second.
        mutating func time() -> Bool {
            guard let hours = number(2), skip(":"), let minutes = number(2), skip(":"), let seconds = number(2),
                hours < 24, minutes < 60, seconds <= 60
            else { return false }
            if skip(".") {
                let start = index
                while index < bytes.count, TOMLReader.isDigit(bytes[index]) { index += 1 }
                return index > start
            }
            return true
        }
    }
}
