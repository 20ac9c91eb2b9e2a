/// A JSON document: the text form of manifests, metadata, fixtures and CLI output.
///
/// Fleche has its own reader and writer because manifests sit on the hit path: objects keep
/// their key order (manifests stay readable), integers stay exact 64-bit integers, and
/// floats print in Swift's shortest round-trip form, so `parse(serialized())` is exact.
public enum JSON: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without fraction or exponent that fits 64 bits.
    case int(Int64)
    /// A number with a fraction or exponent, or an integer beyond 64 bits.
    case double(Double)
    /// A string.
    case string(String)
    /// An array of documents.
    case array([JSON])
    /// An object, its members in document order.
    case object([(String, JSON)])

    /// Structural equality in member order; an integer equals the double of the same value,
    /// and NaN equals NaN (so `JSON` is a lawful `Hashable`).
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b || (a.isNaN && b.isNaN)
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): Double(a) == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// Hashes consistently with `==`: numbers by their `Double` value.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let flag): hasher.combine(flag)
        case .int(let number): hasher.combine(Double(number))
        case .double(let number): hasher.combine(number.isNaN ? .nan : number)
        case .string(let text): hasher.combine(text)
        case .array(let items): hasher.combine(items)
        case .object(let members):
            for (key, value) in members {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }

    /// The member named `key` of an object, or `nil`.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The text of a string, or `nil`.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// A number that is a whole 64-bit integer, or `nil`.
    public var int64Value: Int64? {
        switch self {
        case .int(let number): number
        case .double(let number): Int64(exactly: number)
        default: nil
        }
    }

    /// A number as a `Double`, or `nil`.
    public var doubleValue: Double? {
        switch self {
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// The elements of an array, or `nil`.
    public var arrayValue: [JSON]? {
        if case .array(let items) = self { items } else { nil }
    }

    /// The members of an object in order, or `nil`.
    public var objectValue: [(String, JSON)]? {
        if case .object(let members) = self { members } else { nil }
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}
