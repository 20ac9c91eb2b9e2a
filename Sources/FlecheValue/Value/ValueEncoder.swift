import Foundation

/// Turns any `Encodable` into a ``Value``.
///
/// Beyond what `Codable` alone preserves, it keeps: dictionary keys as values (`[Int: T]`
/// keys stay integers, `[Point: T]` keys stay records), sets as sets, `Data` as bytes,
/// `Date` as a date, `[Double]`/`[Float]` and `[Int]`-like arrays as packed buffers, and
/// nested optionals (`.some(nil)` of `Int??` is ``Value/some(_:)`` of ``Value/null``).
public struct ValueEncoder: Sendable {
    /// The algorithm of the digests that values standing for content elsewhere (a file
    /// artifact's bytes) encode: the digest algorithm of the store the value is keyed for.
    /// A type reads it from `Encoder.userInfo[.flecheDigestAlgorithm]`.
    public var contentAlgorithm: DigestAlgorithm

    /// An encoder whose content digests use `contentAlgorithm` (SHA-256 unless told).
    public init(contentAlgorithm: DigestAlgorithm = .sha256) {
        self.contentAlgorithm = contentAlgorithm
    }

    /// Encodes `value` into its canonical tree.
    ///
    /// - Throws: `EncodingError.invalidValue` for a value that cannot be represented
    ///   (a `UInt128` above `Int128.max`), or what the value's own `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws -> Value {
        try encodeValue(value, codingPath: [], context: EncodingContext(algorithm: contentAlgorithm))
    }
}

extension CodingUserInfoKey {
    /// The `DigestAlgorithm` a ``ValueEncoder`` keys content digests with (see
    /// ``ValueEncoder/contentAlgorithm``); absent under other encoders.
    public static let flecheDigestAlgorithm = CodingUserInfoKey(rawValue: "fleche.digestAlgorithm")!
}

/// What one encoding carries to every nested encoder.
struct EncodingContext {
    let algorithm: DigestAlgorithm
}

/// Encodes one value, taking the fast paths and special forms first.
func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey], context: EncodingContext) throws -> Value {
    // Fast paths by exact type (a `switch value { case as X }` would also unwrap optionals
    // and cast `[Int?]` to `[Int]`): the scalar types most arguments are, each skipping an
    // encoder allocation and a container round trip on the memoization hot path.
    if T.self == Int.self { return .int(Int128(value as! Int)) }
    if T.self == String.self { return .string(value as! String) }
    if T.self == Double.self { return .float(value as! Double) }
    if T.self == Bool.self { return .bool(value as! Bool) }
    if T.self == [Double].self { return .doubles(value as! [Double]) }
    if T.self == [Int].self { return .integers((value as! [Int]).map(Int64.init)) }
    if T.self == Data.self { return .bytes(value as! Data) }
    if T.self == Date.self { return .date(value as! Date) }
    if T.self == Value.self { return value as! Value }
    if T.self == Digest.self { return .digest(value as! Digest) }
    if T.self == [Float].self { return .doubles((value as! [Float]).map(Double.init)) }
    if T.self == [Int64].self { return .integers(value as! [Int64]) }
    if T.self == [Int32].self { return .integers((value as! [Int32]).map(Int64.init)) }
    if T.self == [Int16].self { return .integers((value as! [Int16]).map(Int64.init)) }
    if T.self == [UInt32].self { return .integers((value as! [UInt32]).map(Int64.init)) }
    if T.self == [UInt16].self { return .integers((value as! [UInt16]).map(Int64.init)) }
    if let optional = value as? any OptionalEncodable {
        return try optional.encodedOptional(codingPath: codingPath, context: context)
    }
    if let dictionary = value as? any DictionaryEncodable {
        return try dictionary.encodedDictionary(codingPath: codingPath, context: context)
    }
    if let set = value as? any SetEncodable {
        return try set.encodedSet(codingPath: codingPath, context: context)
    }
    let encoder = TreeEncoder(codingPath: codingPath, typeName: String(describing: T.self), context: context)
    try value.encode(to: encoder)
    return encoder.slot.value(typeName: String(describing: T.self))
}

// MARK: - Special forms

protocol OptionalEncodable {
    func encodedOptional(codingPath: [any CodingKey], context: EncodingContext) throws -> Value
}

extension Optional: OptionalEncodable where Wrapped: Encodable {
    func encodedOptional(codingPath: [any CodingKey], context: EncodingContext) throws -> Value {
        guard let wrapped = self else { return .null }
        let inner = try encodeValue(wrapped, codingPath: codingPath, context: context)
        switch inner {
        case .null, .some: return .some(inner)
        default: return inner
        }
    }
}

protocol DictionaryEncodable {
    func encodedDictionary(codingPath: [any CodingKey], context: EncodingContext) throws -> Value
}

extension Dictionary: DictionaryEncodable where Key: Encodable, Value: Encodable {
    func encodedDictionary(codingPath: [any CodingKey], context: EncodingContext) throws -> FlecheValue {
        var entries: [FlecheValue.DictionaryEntry] = []
        entries.reserveCapacity(count)
        for (key, value) in self {
            let path = codingPath + [IndexKey(entries.count)]
            entries.append(.init(
                key: try encodeValue(key, codingPath: path, context: context),
                value: try encodeValue(value, codingPath: path, context: context)))
        }
        return .dictionary(CanonicalOrder.sorted(entries, by: \.key))
    }
}

protocol SetEncodable {
    func encodedSet(codingPath: [any CodingKey], context: EncodingContext) throws -> Value
}

extension Set: SetEncodable where Element: Encodable {
    func encodedSet(codingPath: [any CodingKey], context: EncodingContext) throws -> Value {
        let items = try enumerated().map { try encodeValue($1, codingPath: codingPath + [IndexKey($0)], context: context) }
        return .set(CanonicalOrder.sorted(items, by: \.self))
    }
}

typealias FlecheValue = Value

/// Orders dictionary entries and set elements whose keys are all strings or all integers,
/// so that the same Swift dictionary gives the same payload bytes in every process (Swift
/// randomises iteration order per process). Other keys keep iteration order; their digest
/// is order-independent either way.
enum CanonicalOrder {
    static func sorted<T>(_ items: [T], by key: (T) -> Value) -> [T] {
        // The keys are taken out once and the positions sorted: matching the enum in every
        // comparison retained and released its payload twice (a third of encoding a
        // 10,000-file directory artifact, perf).
        var strings: [String] = []
        var integers: [Int128] = []
        for item in items {
            switch key(item) {
            case .string(let text) where integers.isEmpty: strings.append(text)
            case .int(let number) where strings.isEmpty: integers.append(number)
            default: return items
            }
        }
        let order: [Int] = strings.isEmpty
            ? integers.indices.sorted { integers[$0] < integers[$1] }
            : strings.withUnsafeBufferPointer { keys in keys.indices.sorted { keys[$0].utf8Precedes(keys[$1]) } }
        return order.map { items[$0] }
    }
}

/// A coding key for positions in unkeyed containers and dictionaries.
struct IndexKey: CodingKey {
    var stringValue: String { "Index \(intValue!)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

// MARK: - The Encoder

/// What one encoder or container has written so far.
final class EncodingSlot {
    enum Content {
        case empty
        case single(Value)
        case keyed(typeName: String, fields: [(String, EncodingSlot)])
        case unkeyed([EncodingSlot])
    }

    var content: Content = .empty

    init() {}
    init(_ value: Value) { content = .single(value) }

    func value(typeName: String) -> Value {
        switch content {
        case .empty: .record(type: typeName, fields: [])
        case .single(let value): value
        case .keyed(let name, let fields):
            .record(type: name, fields: fields.map { Value.Field(name: $0.0, value: $0.1.value(typeName: "")) })
        case .unkeyed(let items): .array(items.map { $0.value(typeName: "") })
        }
    }

    func setField(_ name: String, _ slot: EncodingSlot, typeName: String) {
        var fields: [(String, EncodingSlot)] = []
        var name0 = typeName
        if case .keyed(let existingName, let existing) = content {
            fields = existing
            name0 = existingName
        }
        if let index = fields.firstIndex(where: { $0.0 == name }) {
            fields[index].1 = slot
        } else {
            fields.append((name, slot))
        }
        content = .keyed(typeName: name0, fields: fields)
    }

    func append(_ slot: EncodingSlot) {
        if case .unkeyed(var items) = content {
            items.append(slot)
            content = .unkeyed(items)
        } else {
            content = .unkeyed([slot])
        }
    }
}

final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    let typeName: String
    let slot: EncodingSlot
    let context: EncodingContext
    var userInfo: [CodingUserInfoKey: Any] { [.flecheDigestAlgorithm: context.algorithm] }

    init(codingPath: [any CodingKey], typeName: String, slot: EncodingSlot = EncodingSlot(), context: EncodingContext) {
        self.codingPath = codingPath
        self.typeName = typeName
        self.slot = slot
        self.context = context
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .keyed = slot.content {} else { slot.content = .keyed(typeName: typeName, fields: []) }
        return KeyedEncodingContainer(KeyedTreeEncoder<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unkeyed = slot.content {} else { slot.content = .unkeyed([]) }
        return UnkeyedTreeEncoder(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleTreeEncoder(encoder: self)
    }
}

func integerValue<T: BinaryInteger>(_ number: T, codingPath: [any CodingKey]) throws -> Value {
    guard let wide = Int128(exactly: number) else {
        throw EncodingError.invalidValue(number, .init(
            codingPath: codingPath, debugDescription: "\(number) does not fit the 128-bit signed integers a Value holds"))
    }
    return .int(wide)
}

struct KeyedTreeEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put(_ value: Value, _ key: Key) {
        encoder.slot.setField(key.stringValue, EncodingSlot(value), typeName: encoder.typeName)
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.float(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(.float(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.int(Int128(value)), key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws {
        put(try integerValue(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try encodeValue(value, codingPath: codingPath + [key], context: encoder.context), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        nestedEncoder(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { nestedEncoder(SuperKey.super) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { nestedEncoder(key) }

    private func nestedEncoder(_ key: any CodingKey) -> TreeEncoder {
        let slot = EncodingSlot()
        encoder.slot.setField(key.stringValue, slot, typeName: encoder.typeName)
        return TreeEncoder(codingPath: codingPath + [key], typeName: "", slot: slot, context: encoder.context)
    }
}

enum SuperKey: String, CodingKey { case `super` }

struct UnkeyedTreeEncoder: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int {
        if case .unkeyed(let items) = encoder.slot.content { items.count } else { 0 }
    }

    private func put(_ value: Value) { encoder.slot.append(EncodingSlot(value)) }
    private var nextPath: [any CodingKey] { codingPath + [IndexKey(count)] }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(.float(value)) }
    mutating func encode(_ value: Float) throws { put(.float(Double(value))) }
    mutating func encode(_ value: Int) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int8) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int16) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int32) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int64) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int128) throws { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt8) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt16) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt32) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt64) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt128) throws { put(try integerValue(value, codingPath: nextPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws { put(try encodeValue(value, codingPath: nextPath, context: encoder.context)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        nestedEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { nestedEncoder() }

    private func nestedEncoder() -> TreeEncoder {
        let path = nextPath
        let slot = EncodingSlot()
        encoder.slot.append(slot)
        return TreeEncoder(codingPath: path, typeName: "", slot: slot, context: encoder.context)
    }
}

struct SingleTreeEncoder: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put(_ value: Value) { encoder.slot.content = .single(value) }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(.float(value)) }
    mutating func encode(_ value: Float) throws { put(.float(Double(value))) }
    mutating func encode(_ value: Int) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int8) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int16) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int32) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int64) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: Int128) throws { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt8) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt16) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt32) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt64) throws { put(.int(Int128(value))) }
    mutating func encode(_ value: UInt128) throws { put(try integerValue(value, codingPath: codingPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws { put(try encodeValue(value, codingPath: codingPath, context: encoder.context)) }
}
