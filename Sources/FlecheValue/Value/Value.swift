import Foundation

/// The canonical tree every argument and result becomes before it is digested or stored.
///
/// `ValueEncoder` turns any `Encodable` into a `Value`, `ValueDecoder` turns it back. The
/// digest of a value (``Value/digest(using:)``) is a Merkle hash over this tree, and the
/// binary payload format (``ValueCodec``) is a deterministic serialisation of it.
///
/// Kinds beyond the obvious ones:
/// - ``record(type:fields:)`` is a keyed container (a struct, class or enum case); its type
///   name salts the digest, and its fields digest independently of their order.
/// - ``dictionary(_:)`` keeps keys as values, so `[Int: String]` keys stay integers.
/// - ``some(_:)`` marks `Optional.some` around a value that is itself `nil` (for `Int??`).
/// - ``doubles(_:)`` and ``integers(_:)`` are packed numeric arrays (`[Double]`, `[Int]`, …)
///   that hash and store as one contiguous buffer.
/// - ``digest(_:)`` is a digest inside a value: it digests to itself.
public indirect enum Value: Sendable, Hashable {
    /// No value (`nil`).
    case null
    /// A Boolean.
    case bool(Bool)
    /// An integer of up to 128 bits, signed or unsigned.
    case int(Int128)
    /// A floating-point number.
    case float(Double)
    /// Text; digested in Unicode NFC.
    case string(String)
    /// Raw bytes (`Data`).
    case bytes(Data)
    /// A point in time.
    case date(Date)
    /// An ordered sequence.
    case array([Value])
    /// Entries with keys of any kind; digested independently of order.
    case dictionary([DictionaryEntry])
    /// A struct, class or enum case: its type name and named fields.
    case record(type: String, fields: [Field])
    /// An unordered collection; digested independently of order.
    case set([Value])
    /// A present optional inside another optional (`Int??`), so `.some(nil)` differs from `nil`.
    case some(Value)
    /// A packed array of doubles (`[Double]`, `[Float]`).
    case doubles([Double])
    /// A packed array of 64-bit integers (`[Int]`, `[Int64]`).
    case integers([Int64])
    /// A reference to a stored value by its digest; digests like the value it names.
    case digest(Digest)

    /// One key-value pair of a ``Value/dictionary(_:)``.
    public struct DictionaryEntry: Sendable, Hashable {
        /// The entry's key (any value, not only a string).
        public var key: Value
        /// The entry's value.
        public var value: Value
        /// An entry mapping `key` to `value`.
        public init(key: Value, value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// One named field of a ``Value/record(type:fields:)``.
    public struct Field: Sendable, Hashable {
        /// The field's name.
        public var name: String
        /// The field's value.
        public var value: Value
        /// A field named `name` holding `value`.
        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }
}

// MARK: - Equality

extension Value {
    /// Structural equality, with floats compared by bit pattern: every value equals itself
    /// (NaN included) and equal values encode to the same payload bytes. Digest equality is
    /// the looser, semantic one (-0.0 and 0.0, any NaN, dictionary order, NFC strings).
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.float(let a), .float(let b)): a.bitPattern == b.bitPattern
        case (.date(let a), .date(let b)):
            a.timeIntervalSinceReferenceDate.bitPattern == b.timeIntervalSinceReferenceDate.bitPattern
        case (.string(let a), .string(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.array(let a), .array(let b)), (.set(let a), .set(let b)): a == b
        case (.dictionary(let a), .dictionary(let b)): a == b
        case (.record(let t1, let f1), .record(let t2, let f2)): t1 == t2 && f1 == f2
        case (.some(let a), .some(let b)): a == b
        case (.doubles(let a), .doubles(let b)): a.map(\.bitPattern) == b.map(\.bitPattern)
        case (.integers(let a), .integers(let b)): a == b
        case (.digest(let a), .digest(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kindName)
        switch self {
        case .null: break
        case .bool(let flag): hasher.combine(flag)
        case .int(let number): hasher.combine(number)
        case .float(let number): hasher.combine(number.bitPattern)
        case .date(let date): hasher.combine(date.timeIntervalSinceReferenceDate.bitPattern)
        case .string(let text): hasher.combine(text)
        case .bytes(let data): hasher.combine(data)
        case .array(let items), .set(let items): hasher.combine(items)
        case .dictionary(let entries): hasher.combine(entries)
        case .record(let type, let fields):
            hasher.combine(type)
            hasher.combine(fields)
        case .some(let inner): hasher.combine(inner)
        case .doubles(let numbers): hasher.combine(numbers.map(\.bitPattern))
        case .integers(let numbers): hasher.combine(numbers)
        case .digest(let digest): hasher.combine(digest)
        }
    }
}

// MARK: - Description

extension Value {
    /// The name of this value's kind, as used in error messages and the JSON form.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .bytes: "bytes"
        case .date: "date"
        case .array: "array"
        case .dictionary: "dict"
        case .record: "record"
        case .set: "set"
        case .some: "some"
        case .doubles: "f64s"
        case .integers: "i64s"
        case .digest: "digest"
        }
    }

    /// The direct children of a container value, in stored order (keys and values for a
    /// dictionary); empty for scalars and packed arrays.
    public var children: [Value] {
        switch self {
        case .array(let items), .set(let items): items
        case .dictionary(let entries): entries.flatMap { [$0.key, $0.value] }
        case .record(_, let fields): fields.map(\.value)
        case .some(let inner): [inner]
        default: []
        }
    }
}

extension Value: CustomStringConvertible {
    /// The value in its JSON form (see ``Value/jsonForm``), compact.
    public var description: String { jsonForm.serialized() }
}
