import Foundation

// MARK: - The JSON form of a value
//
// A language-neutral, lossless text form of `Value`, used for values inlined in manifests,
// for `fleche cat --raw`, and by the digest fixtures. JSON null, booleans, strings and arrays
// stand for themselves; integers are JSON integers while |n| < 2^53 and `{"int": "digits"}`
// beyond; every other kind is a one-member object named by its kind:
//
//   {"float": 1.5}   {"float": "nan"}  {"float": "inf"}  {"float": "-inf"}  {"float": -0.0}
//   {"bytes": "<base64>"}   {"date": <seconds since 2001-01-01 as a float>}
//   {"dict": [[key, value], …]}   {"set": [ … ]}   {"some": value}   {"digest": "<hex>"}
//   {"record": "TypeName", "fields": {"name": value, …}}
//   {"f64s": [1.0, "nan", …]}   {"i64s": [1, 2, …]}

extension Value {
    /// Integers whose magnitude is below this are written as plain JSON numbers, which every
    /// JSON reader holds exactly.
    static let exactJSONIntegerLimit: Int128 = 1 << 53

    /// The lossless JSON form of this value.
    public var jsonForm: JSON {
        switch self {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number):
            if number.magnitude < Self.exactJSONIntegerLimit.magnitude { return .int(Int64(number)) }
            return .object([("int", .string(String(number)))])
        case .float(let number): return .object([("float", Self.floatForm(number))])
        case .string(let text): return .string(text)
        case .bytes(let data): return .object([("bytes", .string(data.base64EncodedString()))])
        case .date(let date): return .object([("date", Self.floatForm(date.timeIntervalSinceReferenceDate))])
        case .array(let items): return .array(items.map(\.jsonForm))
        case .set(let items): return .object([("set", .array(items.map(\.jsonForm)))])
        case .some(let inner): return .object([("some", inner.jsonForm)])
        case .dictionary(let entries):
            return .object([("dict", .array(entries.map { .array([$0.key.jsonForm, $0.value.jsonForm]) }))])
        case .record(let type, let fields):
            return .object([
                ("record", .string(type)),
                ("fields", .object(fields.map { ($0.name, $0.value.jsonForm) })),
            ])
        case .doubles(let numbers): return .object([("f64s", .array(numbers.map(Self.floatForm)))])
        case .integers(let numbers): return .object([("i64s", .array(numbers.map { .int($0) }))])
        case .digest(let digest): return .object([("digest", .string(digest.hex))])
        }
    }

    private static func floatForm(_ number: Double) -> JSON {
        if number.isNaN { return .string("nan") }
        if number.isInfinite { return .string(number < 0 ? "-inf" : "inf") }
        return .double(number)
    }

    static func float(from json: JSON) throws -> Double {
        switch json {
        case .double(let number): return number
        case .int(let number): return Double(number)
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: throw ValueFormError("expected a float, found \(json.serialized())")
        }
    }

    /// Reads a value back from its JSON form.
    ///
    /// - Throws: ``ValueFormError`` for JSON that is not the form of any value.
    public init(jsonForm json: JSON) throws {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(Int128(number))
        case .double(let number):
            throw ValueFormError("bare JSON float \(number): write floats as {\"float\": \(number)}")
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(try Self.values(items))
        case .object(let members):
            guard let (tag, body) = members.first else { throw ValueFormError("empty object is not a value") }
            if tag == "record" {
                guard members.count == 2, case .string(let type) = body, members[1].0 == "fields",
                      case .object(let fields) = members[1].1
                else { throw ValueFormError("a record is {\"record\": \"Type\", \"fields\": {…}}") }
                var parsed: [Value.Field] = []
                for (name, value) in fields { parsed.append(.init(name: name, value: try Value(jsonForm: value))) }
                self = .record(type: type, fields: parsed)
                return
            }
            guard members.count == 1 else { throw ValueFormError("a tagged value has exactly one member, found \(members.count)") }
            self = try Self.tagged(tag, body)
        }
    }

    private static func values(_ items: [JSON]) throws -> [Value] {
        var out: [Value] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try Value(jsonForm: item)) }
        return out
    }

    private static func tagged(_ tag: String, _ body: JSON) throws -> Value {
        switch (tag, body) {
        case ("int", .string(let digits)):
            guard let number = Int128(digits) else { throw ValueFormError("'\(digits)' is not an integer") }
            return .int(number)
        case ("int", .int(let number)): return .int(Int128(number))
        case ("float", _): return .float(try float(from: body))
        case ("bytes", .string(let base64)):
            guard let data = Data(base64Encoded: base64) else { throw ValueFormError("bytes are not valid base64") }
            return .bytes(data)
        case ("date", _): return .date(Date(timeIntervalSinceReferenceDate: try float(from: body)))
        case ("set", .array(let items)): return .set(try values(items))
        case ("some", _): return .some(try Value(jsonForm: body))
        case ("dict", .array(let pairs)):
            var entries: [Value.DictionaryEntry] = []
            for pair in pairs {
                guard case .array(let kv) = pair, kv.count == 2 else { throw ValueFormError("a dict entry is [key, value]") }
                entries.append(.init(key: try Value(jsonForm: kv[0]), value: try Value(jsonForm: kv[1])))
            }
            return .dictionary(entries)
        case ("f64s", .array(let items)):
            var numbers: [Double] = []
            for item in items { numbers.append(try float(from: item)) }
            return .doubles(numbers)
        case ("i64s", .array(let items)):
            var numbers: [Int64] = []
            for item in items {
                guard case .int(let number) = item else { throw ValueFormError("i64s holds integers only") }
                numbers.append(number)
            }
            return .integers(numbers)
        case ("digest", .string(let hex)):
            guard let digest = Digest(hex: hex) else { throw ValueFormError("'\(hex)' is not a full digest") }
            return .digest(digest)
        default:
            throw ValueFormError("unknown value form {\"\(tag)\": \(body.serialized())}")
        }
    }
}

/// JSON that is not the JSON form of a ``Value``.
public struct ValueFormError: Error, Sendable, CustomStringConvertible {
    public let description: String
    package init(_ description: String) { self.description = description }
}

extension Value: Codable {
    /// Decodes a value from its JSON form written by another encoder (JSONDecoder, …).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Value(jsonForm: JSON.parse(text))
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    /// Encodes the value's JSON form as a string for foreign encoders. ``ValueEncoder``
    /// does not call this: a `Value` inside a value is kept as it is.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(jsonForm.serialized())
    }
}
