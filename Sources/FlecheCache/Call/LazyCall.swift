import FlecheStore
import FlecheValue
/// A stored call whose values load on demand from the cache it came from.
public struct LazyCall: Sendable {
    /// The lookup key.
    public let key: Digest
    /// The stored record (digests, inline values, metadata).
    public let record: CallRecord
    let cache: any BaseCache

    /// The function's name.
    public var name: String { record.name }
    /// The module the function belongs to, or `nil`.
    public var module: String? { record.module }
    /// The function's version, or `nil`.
    public var version: String? { record.version }
    /// What the collectors recorded about the call.
    public var metadata: Metadata { record.metadata }
    /// The argument names in declaration order.
    public var argumentNames: [String] { record.arguments.map(\.name) }

    /// The result value; `FlecheError/notFound(key:)` if the call has no result or its
    /// object is gone.
    public func resultValue() throws -> Value {
        guard let result = record.result else { throw FlecheError.notFound(key: key.hex) }
        return try load(result)
    }

    /// The result decoded as `T`.
    public func result<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try decode(type, try resultValue())
    }

    /// The value of the argument `name`.
    public func argumentValue(_ name: String) throws -> Value {
        guard let argument = record.arguments.first(where: { $0.name == name }) else {
            throw FlecheError.invalidArguments("call \(self.name) has no argument '\(name)' (it has \(argumentNames))")
        }
        return try load(argument.value)
    }

    /// The argument `name` decoded as `T`.
    public func argument<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try decode(type, try argumentValue(name))
    }

    /// Every argument in order; one whose value is missing from the store stands as its
    /// digest (`Value/digest(_:)`).
    public func arguments() throws -> [Call.Argument] {
        try record.arguments.map { argument in
            do {
                return Call.Argument(name: argument.name, value: try load(argument.value))
            } catch let error as FlecheError where error.isMiss {
                return Call.Argument(name: argument.name, value: .digest(argument.value.digest))
            }
        }
    }

    /// The whole call with every value loaded.
    public func fetch() throws -> Call {
        Call(
            name: record.name, module: record.module, version: record.version, codeDigest: record.codeDigest,
            arguments: try arguments(), metadata: record.metadata,
            result: try record.result.map { try load($0) })
    }

    private func load(_ reference: ValueReference) throws -> Value {
        if let inline = reference.inline { return inline }
        return try cache.loadObject(reference.digest)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ value: Value) throws -> T {
        do {
            guard value.mayHoldArtifacts else { return try ValueDecoder().decode(type, from: value) }
            // Artifacts read their files from the cache the call came from.
            return try ArtifactContent.$current.withValue(ArtifactContent(cache.artifactStorages)) {
                try ValueDecoder().decode(type, from: value)
            }
        } catch {
            throw FlecheError.unsupportedValue("stored value of call \(key.hex) does not decode as \(T.self): \(error)")
        }
    }
}
