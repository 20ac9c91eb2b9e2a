#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// Every error the library throws on purpose; each message names the key or path and what
/// to do about it.
public enum FlecheError: Error, Sendable, Equatable {
    /// No call or value has this key or prefix.
    case notFound(key: String)
    /// A prefix shorter than ``Digest/minimumPrefixLength`` characters.
    case prefixTooShort(String)
    /// A key that is not hex, or longer than a full digest.
    case invalidKey(String)
    /// A prefix that matches several keys.
    case ambiguousPrefix(prefix: String, candidates: [Digest], needed: Int)
    /// A stored object that cannot be read back: truncated, bit-flipped, wrong header.
    case corruptObject(key: Digest, path: String, reason: String)
    /// A call manifest that does not parse.
    case corruptManifest(key: Digest, path: String, reason: String)
    /// A value the encoder or decoder cannot represent.
    case unsupportedValue(String)
    /// A cache refused a write (read-only, filtered, pool).
    case rejected(String)
    /// A system call failed.
    case io(path: String, operation: String, errno: Int32)
    /// The store's `FORMAT` is missing, unreadable or of a version this build does not know.
    case unknownFormat(path: String, reason: String)
    /// Memoized-call arguments do not match the wrapper's declaration.
    case invalidArguments(String)
    /// A `fleche.toml` that does not parse, or names an unknown cache, template or setting.
    case invalidConfiguration(path: String, reason: String)
    /// A call manifest that a store with secret keys does not trust: unsigned, signed by a
    /// key it does not have, or changed since it was signed. A miss (the call runs again and
    /// its new manifest is signed).
    case untrustedManifest(key: Digest, path: String, reason: String)
    /// A file or directory artifact that cannot be read as one: missing, a symbolic link or
    /// device inside a tree, a name that is not UTF-8, a file that kept changing while read.
    case invalidArtifact(path: String, reason: String)

    /// Whether this error means "not stored here" (a miss), as opposed to a failure.
    public var isMiss: Bool {
        switch self {
        case .notFound, .prefixTooShort, .untrustedManifest: true
        default: false
        }
    }

    /// Whether this error is a stored file found damaged (an object or a manifest that does
    /// not read back): on the hit path, a miss whose file is set aside.
    public var isDamage: Bool {
        switch self {
        case .corruptObject, .corruptManifest: true
        default: false
        }
    }
}

extension FlecheError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let key):
            "no call or value with key '\(key)' in this store (check the key with `fleche ls` or `fleche expand`)"
        case .prefixTooShort(let prefix):
            "key prefix '\(prefix)' is too short: give at least \(Digest.minimumPrefixLength) characters"
        case .invalidKey(let key):
            "'\(key)' is not a key: keys are hex digests or their prefixes"
        case .ambiguousPrefix(let prefix, let candidates, let needed):
            "short digest \(prefix) is ambiguous; expands to: \(candidates.prefix(2).map(\.hex)); "
                + "need at least \(needed) characters"
        case .corruptObject(let key, let path, let reason):
            "object \(key.hex) at \(path) is corrupt (\(reason)); run `fleche verify --repair` or delete it to recompute"
        case .corruptManifest(let key, let path, let reason):
            "call manifest \(key.hex) at \(path) is corrupt (\(reason)); run `fleche verify --repair` or delete it"
        case .unsupportedValue(let reason):
            "value cannot be stored: \(reason)"
        case .rejected(let reason):
            "write rejected: \(reason)"
        case .io(let path, let operation, let errno):
            "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .unknownFormat(let path, let reason):
            "\(path) is not a Fleche store this version can open: \(reason)"
        case .invalidArguments(let reason):
            "invalid arguments: \(reason)"
        case .invalidConfiguration(let path, let reason):
            "configuration \(path): \(reason)"
        case .untrustedManifest(let key, let path, let reason):
            "call manifest \(key.hex) at \(path) is not trusted (\(reason)); it is a miss until the call is stored again with this store's keys"
        case .invalidArtifact(let path, let reason):
            "artifact \(path): \(reason)"
        }
    }
}
