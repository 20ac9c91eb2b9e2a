import FlecheValue
/// How a query matches one value: by value (compared by digest) or by a digest prefix.
public enum ValuePattern: Sendable, Hashable {
    /// Matches values equal (by digest) to this one.
    case value(Value)
    /// Matches values whose digest starts with this hex prefix.
    case digestPrefix(String)

    /// Matches values equal (by digest) to `value`. A file or directory artifact is keyed by
    /// its content's digests under `contentAlgorithm`: give the store's algorithm when it is
    /// not SHA-256 (`cache.algorithm`), as a memoized call does.
    public static func equals<T: Encodable>(_ value: T, contentAlgorithm: DigestAlgorithm = .sha256) throws -> ValuePattern {
        .value(try ValueEncoder(contentAlgorithm: contentAlgorithm).encode(value))
    }
}

/// A query: every field left `nil` (or empty) matches anything.
public struct CallTemplate: Sendable {
    /// The function name the call must have, or `nil` for any.
    public var name: String?
    /// The module the call must have, or `nil` for any.
    public var module: String?
    /// The version the call must have, or `nil` for any.
    public var version: String?
    /// The code digest the call must have been keyed with.
    public var codeDigest: Digest?
    /// Arguments that must exist and match; others are free.
    public var arguments: [String: ValuePattern]
    /// How the result must match, or `nil` for any.
    public var result: ValuePattern?
    /// Collector name → field → required value, or `nil` for "present with any value". A
    /// collector named with no fields must merely exist.
    public var metadata: [String: [String: JSON?]]?

    /// A template; every field left `nil` (or empty) matches anything.
    public init(
        name: String? = nil, module: String? = nil, version: String? = nil, codeDigest: Digest? = nil,
        arguments: [String: ValuePattern] = [:], result: ValuePattern? = nil,
        metadata: [String: [String: JSON?]]? = nil
    ) {
        self.name = name
        self.module = module
        self.version = version
        self.codeDigest = codeDigest
        self.arguments = arguments
        self.result = result
        self.metadata = metadata
    }

    /// The manifest members matching needs (see ``CallManifest``).
    package var members: Set<String> {
        var members: Set<String> = []
        if module != nil { members.insert("module") }
        if version != nil { members.insert("version") }
        if codeDigest != nil { members.insert("code") }
        if !arguments.isEmpty { members.insert("arguments") }
        if result != nil { members.insert("result") }
        if metadata != nil { members.insert("metadata") }
        return members
    }

    /// The template with every pattern reduced to a digest prefix, computed once per query.
    package func matcher(using algorithm: DigestAlgorithm) throws -> Matcher {
        func prefix(_ pattern: ValuePattern) throws -> String {
            switch pattern {
            case .value(let value): return value.digest(using: algorithm).hex
            case .digestPrefix(let text): return try KeyResolution.normalize(text, algorithm: algorithm)
            }
        }
        return Matcher(
            template: self,
            arguments: try arguments.mapValues(prefix),
            result: try result.map(prefix))
    }

    package struct Matcher: Sendable {
        package let template: CallTemplate
        package let arguments: [String: String]
        package let result: String?

        package func matches(_ record: CallRecord) -> Bool {
            if let name = template.name, name != record.name { return false }
            if let module = template.module, module != record.module { return false }
            if let version = template.version, version != record.version { return false }
            if let code = template.codeDigest, code != record.codeDigest { return false }
            for (name, prefix) in arguments {
                guard let argument = record.arguments.first(where: { $0.name == name }),
                      argument.value.digest.hex.hasPrefix(prefix) else { return false }
            }
            if let result {
                guard let stored = record.result, stored.digest.hex.hasPrefix(result) else { return false }
            }
            for (collector, fields) in template.metadata ?? [:] {
                guard let stored = record.metadata[collector] else { return false }
                for (field, expected) in fields {
                    guard let actual = stored[field] else { return false }
                    if let expected, expected != actual { return false }
                }
            }
            return true
        }
    }
}
