extension Value {
    /// Reads the JSON form of a value straight from the text at `parser`: the value
    /// `Value(jsonForm: parser.parseValue(depth:))` gives, and the same errors, without
    /// building a ``JSON`` tree of arrays or of typed number arrays (`{"f64s": […]}`,
    /// `{"i64s": […]}`). On a hit whose result is ten doubles inline, the tree (an object,
    /// an array of ten nodes, then the `Value` and its `[Double]`) was most of reading the
    /// manifest (callgrind). Other forms (records, dictionaries, sets, tagged scalars) go
    /// through the tree.
    /// - Throws: ``JSONParseError`` for text that is not JSON, ``ValueFormError`` for JSON
    ///   that is not the form of a value.
    package init(readingJSONFormAt parser: inout JSONParser, depth: Int) throws {
        switch parser.current {
        case UInt8(ascii: "[")?:
            guard depth < JSONParser.maximumDepth else { throw parser.error("nesting too deep") }
            if depth & 31 == 31, !parser.stack.hasRoom() { throw parser.error("nesting too deep for this thread's stack") }
            var items: [Value] = []
            try parser.forEachElement { parser in items.append(try Value(readingJSONFormAt: &parser, depth: depth + 1)) }
            self = .array(items)
        case UInt8(ascii: "{")?:
            let start = parser.offset
            if let numbers = try Self.readTypedNumbers(&parser, depth: depth) {
                self = numbers
            } else {
                parser.offset = start
                self = try Value(jsonForm: parser.parseValue(depth: depth))
            }
        default:
            self = try Value(jsonForm: parser.parseValue(depth: depth))
        }
    }

    /// `{"f64s": [numbers]}` or `{"i64s": [integers]}` read element by element, or `nil`
    /// (the parser then somewhere inside the object) for any other object, which the caller
    /// reads again through the tree so that its errors are the tree's.
    private static func readTypedNumbers(_ parser: inout JSONParser, depth: Int) throws -> Value? {
        parser.offset += 1  // {
        parser.skipSpace()
        guard parser.current == UInt8(ascii: "\"") else { return nil }
        let tag = try parser.parseString()
        guard tag == "f64s" || tag == "i64s" else { return nil }
        parser.skipSpace()
        guard parser.current == UInt8(ascii: ":") else { return nil }
        parser.offset += 1
        parser.skipSpace()
        guard parser.current == UInt8(ascii: "[") else { return nil }
        var doubles: [Double] = []
        var integers: [Int64] = []
        var wrongKind = false
        try parser.forEachElement { parser in
            let item = try parser.parseValue(depth: depth + 2)
            if tag == "f64s" {
                if let number = try? float(from: item) { doubles.append(number) } else { wrongKind = true }
            } else if case .int(let number) = item {
                integers.append(number)
            } else {
                wrongKind = true
            }
        }
        parser.skipSpace()
        guard !wrongKind, parser.current == UInt8(ascii: "}") else { return nil }
        parser.offset += 1
        return tag == "f64s" ? .doubles(doubles) : .integers(integers)
    }
}
