import FlecheStore
import FlecheValue
/// A live call: what was called, with which argument values, and what it returned.
public struct Call: Sendable, Hashable {
    /// One named argument, in declaration order.
    public struct Argument: Sendable, Hashable {
        /// The parameter's name, as the memoized function declares it.
        public var name: String
        /// The argument's value.
        public var value: Value
        /// An argument named `name` with the value `value`.
        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// The function's name.
    public var name: String
    /// The module the function belongs to, or `nil`.
    public var module: String?
    /// The function's version, or `nil`.
    public var version: String?
    /// An optional user-supplied digest of the function's code.
    public var codeDigest: Digest?
    /// The arguments in declaration order.
    public var arguments: [Argument]
    /// What the collectors recorded about the call; never part of the key.
    public var metadata: Metadata
    /// The result, or `nil` for a call not yet computed.
    public var result: Value?

    /// A call with the given identity, arguments, metadata and result.
    public init(
        name: String, module: String? = nil, version: String? = nil, codeDigest: Digest? = nil,
        arguments: [Argument] = [], metadata: Metadata = [:], result: Value? = nil
    ) {
        self.name = name
        self.module = module
        self.version = version
        self.codeDigest = codeDigest
        self.arguments = arguments
        self.metadata = metadata
        self.result = result
    }

    /// The record this call is stored as: every value replaced by its digest (values at most
    /// `inlineLimit` encoded bytes are kept inline).
    public func record(using algorithm: DigestAlgorithm, inlineLimit: Int = 0) -> CallRecord {
        func reference(_ value: Value) -> ValueReference {
            ValueReference(value, using: algorithm, inlineLimit: inlineLimit)
        }
        return CallRecord(
            name: name, module: module, version: version, codeDigest: codeDigest,
            arguments: arguments.map { .init(name: $0.name, value: reference($0.value)) },
            metadata: metadata, result: result.map(reference))
    }

    /// The lookup key: see `CallRecord/key(using:)`.
    public func key(using algorithm: DigestAlgorithm) -> Digest {
        CallRecord.key(
            name: name, module: module, version: version, codeDigest: codeDigest,
            arguments: arguments.map { ($0.name, $0.value.digest(using: algorithm)) }, using: algorithm)
    }
}
