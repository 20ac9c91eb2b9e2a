import FlecheValue
/// Metadata of a call: collector name (`runtime`, `environment`, `git`, …) → flat JSON
/// fields. Never part of the lookup key.
public typealias Metadata = [String: [String: JSON]]

/// A value as a record refers to it: its digest, and the value itself when it is small
/// enough to live inline in the manifest.
public struct ValueReference: Sendable, Hashable {
    /// The value's digest.
    public var digest: Digest
    /// The value, when inlined in the manifest instead of stored as an object.
    public var inline: Value?

    /// A reference to the value named `digest`, inline when `inline` is given.
    public init(digest: Digest, inline: Value? = nil) {
        self.digest = digest
        self.inline = inline
    }

    /// Digests `value`, keeping it inline if its payload is at most `inlineLimit` bytes.
    public init(_ value: Value, using algorithm: DigestAlgorithm, inlineLimit: Int) {
        self.init(value, digest: value.digest(using: algorithm), inlineLimit: inlineLimit)
    }

    /// A reference to `value`, whose digest is already known.
    package init(_ value: Value, digest: Digest, inlineLimit: Int) {
        self.digest = digest
        inline = Self.isInline(value, limit: inlineLimit) ? value : nil
    }

    /// Whether a reference keeps `value` inline under `limit`: a payload of at most `limit`
    /// bytes (a limit of 0 inlines nothing).
    package static func isInline(_ value: Value, limit: Int) -> Bool {
        limit > 0 && value.isSmall(limit: limit)
    }
}

/// The persisted form of a call: arguments and result by digest, plus metadata.
///
/// It has the same lookup key as the `Call` it came from.
public struct CallRecord: Sendable, Hashable {
    /// One named argument of a record, by reference.
    public struct Argument: Sendable, Hashable {
        /// The parameter's name.
        public var name: String
        /// The argument's value by digest (inline when small).
        public var value: ValueReference
        /// An argument named `name` that refers to `value`.
        public init(name: String, value: ValueReference) {
            self.name = name
            self.value = value
        }
    }

    /// The function's name.
    public var name: String
    /// The module the function belongs to, or `nil`.
    public var module: String?
    /// `Module.name`, or the name alone without a module: how statistics and `fleche du`
    /// name a function.
    public var qualifiedName: String { Self.qualifiedName(name, module: module) }

    /// `Module.name`, or `name` without a module: the one spelling of a function's name in
    /// statistics, `fleche du` and `fleche stats`.
    public static func qualifiedName(_ name: String, module: String?) -> String {
        module.map { "\($0).\(name)" } ?? name
    }
    /// The function's version, or `nil`.
    public var version: String?
    /// The digest of the function's code the call was keyed with, or `nil`.
    public var codeDigest: Digest?
    /// The arguments in declaration order.
    public var arguments: [Argument]
    /// What the collectors recorded about the call; never part of the key.
    public var metadata: Metadata
    /// The result by reference, or `nil` for a call without a stored result.
    public var result: ValueReference?

    /// A record with the given identity, argument references, metadata and result reference.
    public init(
        name: String, module: String? = nil, version: String? = nil, codeDigest: Digest? = nil,
        arguments: [Argument] = [], metadata: Metadata = [:], result: ValueReference? = nil
    ) {
        self.name = name
        self.module = module
        self.version = version
        self.codeDigest = codeDigest
        self.arguments = arguments
        self.metadata = metadata
        self.result = result
    }

    /// The lookup key: the digest of the record value
    /// `Call{name, module, version, code, arguments: [[name, digest], …]}`, arguments in
    /// declaration order. Metadata and the result are not part of it.
    public func key(using algorithm: DigestAlgorithm) -> Digest {
        Self.key(
            name: name, module: module, version: version, codeDigest: codeDigest,
            arguments: arguments.map { ($0.name, $0.value.digest) }, using: algorithm)
    }

    package static func key(
        name: String, module: String?, version: String?, codeDigest: Digest?,
        arguments: [(String, Digest)], using algorithm: DigestAlgorithm
    ) -> Digest {
        keyValue(name: name, module: module, version: version, codeDigest: codeDigest, arguments: arguments)
            .digest(using: algorithm)
    }

    /// The value whose digest is a call's key (pinned by Fixtures/calls).
    package static func keyValue(
        name: String, module: String?, version: String?, codeDigest: Digest?, arguments: [(String, Digest)]
    ) -> Value {
        .record(type: "Call", fields: [
            .init(name: "name", value: .string(name)),
            .init(name: "module", value: module.map(Value.string) ?? .null),
            .init(name: "version", value: version.map(Value.string) ?? .null),
            .init(name: "code", value: codeDigest.map(Value.digest) ?? .null),
            .init(name: "arguments", value: .array(arguments.map { .array([.string($0.0), .digest($0.1)]) })),
        ])
    }

    /// Every value digest the record refers to (arguments, then the result).
    public var valueDigests: [Digest] {
        arguments.map(\.value.digest) + (result.map { [$0.digest] } ?? [])
    }

    /// The digests of the values this record keeps as objects (arguments, then the result;
    /// inline values are left out): what gc marks from, verify and pull check, push sends.
    public var objectDigests: [Digest] {
        (arguments.map(\.value) + [result].compactMap { $0 }).filter { $0.inline == nil }.map(\.digest)
    }
}

extension Value {
    /// Whether the payload of this value is at most `limit` bytes, computed without
    /// encoding large values.
    func isSmall(limit: Int) -> Bool {
        var budget = limit
        return fitsBudget(&budget)
    }

    private func fitsBudget(_ budget: inout Int) -> Bool {
        switch self {
        case .null, .bool: budget -= 1
        case .int: budget -= 10
        case .float, .date: budget -= 9
        case .string(let text): budget -= 2 + text.utf8.count
        case .bytes(let data): budget -= 2 + data.count
        case .doubles(let numbers): budget -= 2 + 8 * numbers.count
        case .integers(let numbers): budget -= 2 + 8 * numbers.count
        case .digest(let digest): budget -= 2 + digest.bytes.count
        case .record(let type, let fields):
            budget -= 2 + type.utf8.count
            for field in fields {
                budget -= 1 + field.name.utf8.count
                if budget < 0 || !field.value.fitsBudget(&budget) { return false }
            }
        case .array, .set, .dictionary, .some:
            budget -= 2
            for child in children where budget < 0 || !child.fitsBudget(&budget) { return false }
        }
        return budget >= 0
    }
}
