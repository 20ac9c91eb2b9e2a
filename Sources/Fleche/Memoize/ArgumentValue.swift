import FlecheCache
import FlecheStore
import FlecheValue

/// An argument given either as a value or as the key of a value already in the cache: the
/// reference library's "pass a `Digest` where a value is expected".
///
/// ```swift
/// let matrix: Digest = ...                              // a stored value's key, e.g. from `fleche ls`
/// let y = try invert.resolving(.key(matrix))           // invert(<the stored matrix>)
/// let z = try scale.resolving(.keyPrefix("3fa9c2"), .value(2.0))
/// ```
/// The stored value is loaded, decoded as the argument's type and passed to the function,
/// so the call and its key are those of calling it with the value itself.
public enum ArgumentValue<T: Decodable>: Sendable where T: Sendable {
    /// The value itself.
    case value(T)
    /// The value stored under this key.
    case key(Digest)
    /// The value stored under the key this prefix (at least 4 hexadecimal digits) names.
    case keyPrefix(String)

    /// The value, loaded from `cache` when given by key.
    /// - Throws: `FlecheError.notFound(key:)` for a key the cache does not hold,
    ///   `FlecheError.ambiguousPrefix`, `.prefixTooShort` or `.invalidKey` for a bad prefix, and
    ///   `FlecheError.invalidArguments` when the stored value is not a `T`.
    func resolve(in cache: @autoclosure () throws -> any BaseCache) throws -> T {
        let stored: Value
        let key: String
        switch self {
        case .value(let value): return value
        case .key(let digest):
            (stored, key) = (try cache().loadValue(digest), digest.hex)
        case .keyPrefix(let prefix):
            (stored, key) = (try cache().loadValue(prefix), prefix)
        }
        do {
            return try ValueDecoder().decode(T.self, from: stored)
        } catch {
            throw FlecheError.invalidArguments("the value stored under \(key) is not a \(T.self): \(error)")
        }
    }
}

extension Memoized where repeat each A: Decodable & Sendable {
    /// Calls the function with arguments given as values or as keys of stored values
    /// (``ArgumentValue``); otherwise as ``callAsFunction(_:)``.
    /// - Throws: ``ArgumentValue``'s errors for a key that names no stored value of the
    ///   argument's type (the body does not run), then what ``callAsFunction(_:)`` throws.
    public func resolving(_ arguments: repeat ArgumentValue<each A>) throws -> R {
        let cache = Lazy { try core.resolveCache() }
        return try self(repeat (each arguments).resolve(in: try cache.value()))
    }
}

extension AsyncMemoized where repeat each A: Decodable & Sendable {
    /// Calls the function with arguments given as values or as keys of stored values; see
    /// ``Memoized/resolving(_:)``.
    public func resolving(_ arguments: repeat ArgumentValue<each A>) async throws -> R {
        let cache = Lazy { try core.resolveCache() }
        return try await self(repeat (each arguments).resolve(in: try cache.value()))
    }
}

/// A value computed on first use (the cache is resolved only if an argument is a key).
private final class Lazy<T> {
    private let make: () throws -> T
    private var made: T?
    init(_ make: @escaping () throws -> T) { self.make = make }
    func value() throws -> T {
        if let made { return made }
        let value = try make()
        made = value
        return value
    }
}
