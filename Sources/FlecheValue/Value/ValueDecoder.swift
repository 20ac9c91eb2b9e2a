import Foundation

/// Turns a ``Value`` back into any `Decodable`: the inverse of ``ValueEncoder``.
public struct ValueDecoder: Sendable {
    /// A decoder.
    public init() {}

    /// Decodes a `T` from `value`.
    ///
    /// - Throws: `DecodingError` when the tree does not have the shape `T` expects.
    public func decode<T: Decodable>(_ type: T.Type, from value: Value) throws -> T {
        try decodeValue(type, from: value, codingPath: [])
    }
}

func decodeValue<T: Decodable>(_ type: T.Type, from value: Value, codingPath: [any CodingKey]) throws -> T {
    func mismatch() -> DecodingError {
        .typeMismatch(T.self, .init(
            codingPath: codingPath, debugDescription: "expected \(T.self), found a \(value.kindName) value"))
    }
    if T.self == Value.self { return value as! T }
    if T.self == Int.self, case .int(let number) = value, let exact = Int(exactly: number) { return exact as! T }
    if T.self == String.self { if case .string(let text) = value { return text as! T } else { throw mismatch() } }
    if T.self == Double.self, case .float(let number) = value { return number as! T }
    if T.self == Data.self { if case .bytes(let data) = value { return data as! T } else { throw mismatch() } }
    if T.self == Date.self { if case .date(let date) = value { return date as! T } else { throw mismatch() } }
    if T.self == Digest.self {
        if case .digest(let digest) = value { return digest as! T } else { throw mismatch() }
    }
    if case .doubles(let numbers) = value {
        if T.self == [Double].self { return numbers as! T }
        if T.self == [Float].self { return numbers.map(Float.init) as! T }
    }
    if case .integers(let numbers) = value {
        if T.self == [Int64].self { return numbers as! T }
        if T.self == [Int].self { return numbers.map { Int($0) } as! T }
    }
    if let optional = T.self as? any OptionalDecodable.Type {
        return try optional.decodedOptional(from: value, codingPath: codingPath) as! T
    }
    if let dictionary = T.self as? any DictionaryDecodable.Type, case .dictionary(let entries) = value {
        return try dictionary.decodedDictionary(entries, codingPath: codingPath) as! T
    }
    if let set = T.self as? any SetDecodable.Type, case .set(let items) = value {
        return try set.decodedSet(items, codingPath: codingPath) as! T
    }
    return try T(from: TreeDecoder(value, codingPath: codingPath))
}

// MARK: - Special forms

protocol OptionalDecodable {
    static func decodedOptional(from value: Value, codingPath: [any CodingKey]) throws -> Self
}

extension Optional: OptionalDecodable where Wrapped: Decodable {
    static func decodedOptional(from value: Value, codingPath: [any CodingKey]) throws -> Self {
        switch value {
        case .null: return .none
        case .some(let inner): return .some(try decodeValue(Wrapped.self, from: inner, codingPath: codingPath))
        default: return .some(try decodeValue(Wrapped.self, from: value, codingPath: codingPath))
        }
    }
}

protocol DictionaryDecodable {
    static func decodedDictionary(_ entries: [Value.DictionaryEntry], codingPath: [any CodingKey]) throws -> Self
}

extension Dictionary: DictionaryDecodable where Key: Decodable, Value: Decodable {
    static func decodedDictionary(
        _ entries: [FlecheValue.DictionaryEntry], codingPath: [any CodingKey]
    ) throws -> Self {
        var result: [Key: Value] = [:]
        result.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let path = codingPath + [IndexKey(index)]
            result[try decodeValue(Key.self, from: entry.key, codingPath: path)] =
                try decodeValue(Value.self, from: entry.value, codingPath: path)
        }
        return result
    }
}

protocol SetDecodable {
    static func decodedSet(_ items: [Value], codingPath: [any CodingKey]) throws -> Self
}

extension Set: SetDecodable where Element: Decodable {
    static func decodedSet(_ items: [Value], codingPath: [any CodingKey]) throws -> Self {
        var result = Set<Element>(minimumCapacity: items.count)
        for (index, item) in items.enumerated() {
            result.insert(try decodeValue(Element.self, from: item, codingPath: codingPath + [IndexKey(index)]))
        }
        return result
    }
}

// MARK: - The Decoder

/// A field name as a coding key, for keys that a container reports in `allKeys`.
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

struct TreeDecoder: Decoder {
    let value: Value
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: Value, codingPath: [any CodingKey]) {
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .record(_, let fields):
            return KeyedDecodingContainer(KeyedTreeDecoder<Key>(fields: fields, codingPath: codingPath))
        case .dictionary(let entries):
            // A dictionary with string keys also serves a keyed container (for types that
            // decode themselves from one).
            var fields: [Value.Field] = []
            for entry in entries {
                guard case .string(let name) = entry.key else { throw mismatch("a keyed container") }
                fields.append(.init(name: name, value: entry.value))
            }
            return KeyedDecodingContainer(KeyedTreeDecoder<Key>(fields: fields, codingPath: codingPath))
        default:
            throw mismatch("a keyed container")
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let items), .set(let items):
            return UnkeyedTreeDecoder(items: .values(items), codingPath: codingPath)
        case .doubles(let numbers):
            return UnkeyedTreeDecoder(items: .doubles(numbers), codingPath: codingPath)
        case .integers(let numbers):
            return UnkeyedTreeDecoder(items: .integers(numbers), codingPath: codingPath)
        case .bytes(let data):
            return UnkeyedTreeDecoder(items: .integers(data.map(Int64.init)), codingPath: codingPath)
        case .dictionary(let entries):
            // Codable's own form of a non-string-keyed dictionary: key, value, key, value…
            return UnkeyedTreeDecoder(items: .values(entries.flatMap { [$0.key, $0.value] }), codingPath: codingPath)
        default:
            throw mismatch("an unkeyed container")
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleTreeDecoder(value: value, codingPath: codingPath)
    }

    private func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Value.self, .init(
            codingPath: codingPath, debugDescription: "expected \(expected), found a \(value.kindName) value"))
    }
}

/// Scalar decoding shared by every container kind.
enum ScalarDecoding {
    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: Value, _ path: [any CodingKey]) throws -> T {
        guard case .int(let number) = value else { throw mismatch(T.self, "an integer", value, path) }
        guard let exact = T(exactly: number) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: path, debugDescription: "\(number) does not fit in \(T.self)"))
        }
        return exact
    }

    static func double(_ value: Value, _ path: [any CodingKey]) throws -> Double {
        switch value {
        case .float(let number): return number
        case .int(let number):
            if let exact = Double(exactly: number) { return exact }
        default: break
        }
        throw mismatch(Double.self, "a float", value, path)
    }

    static func float(_ value: Value, _ path: [any CodingKey]) throws -> Float {
        let wide = try double(value, path)
        let narrow = Float(wide)
        guard Double(narrow) == wide || wide.isNaN || wide.isInfinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(wide) is not exact as a Float"))
        }
        return narrow
    }

    static func bool(_ value: Value, _ path: [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, "a bool", value, path) }
        return flag
    }

    static func string(_ value: Value, _ path: [any CodingKey]) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, "a string", value, path) }
        return text
    }

    static func mismatch(_ type: Any.Type, _ expected: String, _ value: Value, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(expected), found a \(value.kindName) value"))
    }
}

struct KeyedTreeDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: [Value.Field]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { fields.compactMap { Key(stringValue: $0.name) } }

    func contains(_ key: Key) -> Bool { fields.contains { $0.name == key.stringValue } }

    private func field(_ key: Key) throws -> Value {
        guard let field = fields.first(where: { $0.name == key.stringValue }) else {
            throw DecodingError.keyNotFound(key, .init(
                codingPath: codingPath, debugDescription: "no field '\(key.stringValue)'"))
        }
        return field.value
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try field(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ScalarDecoding.bool(field(key), path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try ScalarDecoding.string(field(key), path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ScalarDecoding.double(field(key), path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try ScalarDecoding.float(field(key), path(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try ScalarDecoding.integer(type, field(key), path(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(type, from: field(key), codingPath: path(key))
    }

    /// An absent key is `nil`; a present one decodes as `T`, so a stored `.null` under an
    /// `Int??` field comes back as `.some(nil)` (Codable's default would flatten it).
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let field = fields.first(where: { $0.name == key.stringValue }) else { return nil }
        if case .null = field.value, !(T.self is any OptionalDecodable.Type) { return nil }
        return try decodeValue(type, from: field.value, codingPath: path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(field(key), codingPath: path(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(field(key), codingPath: path(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let key = Key(stringValue: "super")
        let value = fields.first { $0.name == "super" }?.value ?? .null
        return TreeDecoder(value, codingPath: codingPath + [key ?? NameKey("super") as any CodingKey])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        TreeDecoder(try field(key), codingPath: path(key))
    }
}

struct UnkeyedTreeDecoder: UnkeyedDecodingContainer {
    /// The elements, kept packed for packed arrays and expanded one at a time.
    enum Items {
        case values([Value])
        case doubles([Double])
        case integers([Int64])

        var count: Int {
            switch self {
            case .values(let items): items.count
            case .doubles(let items): items.count
            case .integers(let items): items.count
            }
        }

        subscript(index: Int) -> Value {
            switch self {
            case .values(let items): items[index]
            case .doubles(let items): .float(items[index])
            case .integers(let items): .int(Int128(items[index]))
            }
        }
    }

    let items: Items
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(items: Items, codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var path: [any CodingKey] { codingPath + [IndexKey(currentIndex)] }

    private mutating func next() throws -> Value {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Value.self, .init(
                codingPath: path, debugDescription: "unkeyed container is at its end (\(items.count) elements)"))
        }
        defer { currentIndex += 1 }
        return items[currentIndex]
    }

    private mutating func decodeScalar<T>(_ decode: (Value, [any CodingKey]) throws -> T) throws -> T {
        let itemPath = path
        return try decode(try next(), itemPath)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try decodeScalar(ScalarDecoding.bool) }
    mutating func decode(_ type: String.Type) throws -> String { try decodeScalar(ScalarDecoding.string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try decodeScalar(ScalarDecoding.double) }
    mutating func decode(_ type: Float.Type) throws -> Float { try decodeScalar(ScalarDecoding.float) }
    mutating func decode(_ type: Int.Type) throws -> Int { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try decodeScalar { try ScalarDecoding.integer(type, $0, $1) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeScalar { try decodeValue(type, from: $0, codingPath: $1) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try decodeScalar { try TreeDecoder($0, codingPath: $1).container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try decodeScalar { try TreeDecoder($0, codingPath: $1).unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try decodeScalar { TreeDecoder($0, codingPath: $1) }
    }
}

struct SingleTreeDecoder: SingleValueDecodingContainer {
    let value: Value
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try ScalarDecoding.bool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try ScalarDecoding.string(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try ScalarDecoding.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try ScalarDecoding.float(value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: Int128.Type) throws -> Int128 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try ScalarDecoding.integer(type, value, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(type, from: value, codingPath: codingPath)
    }
}
