import Crypto
import FlecheValue
import Foundation

/// The secret keys that sign and check call manifests: the reference library's
/// `secret_key`, on Fleche's format (docs/FORMAT.md, "Signed manifests").
///
/// With keys, every manifest written carries an HMAC-SHA256 by the first key, and a manifest
/// read must carry one by any of them: an unsigned manifest, one signed by a key not in the
/// list, or one whose bytes (or file name) changed after signing is a miss, with a warning
/// naming the key, never a crash. A list rotates keys: put the new key first, keep the old
/// ones until every manifest they signed is rewritten or gone. A store opened without keys
/// reads signed manifests as any other. Objects need no signature: each is named by the
/// digest of its content.
public struct SigningKeys: Sendable, Equatable {
    /// The keys, the first one signing.
    public let keys: [[UInt8]]

    /// No keys: manifests are written unsigned and read without a check.
    public static let noKeys = SigningKeys(keys: [])

    /// Keys from their bytes (the first signs).
    public init(keys: [[UInt8]]) { self.keys = keys }

    /// Keys from hex text: one key, or several separated by `:`, `,` or blanks (the first
    /// signs).
    /// - Throws: `FlecheError.invalidConfiguration` naming `source` for text that is not
    ///   hex, or a key shorter than 16 bytes.
    public init(hex text: String, source: String) throws {
        let parts = text.split { $0 == ":" || $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }
        try self.init(hex: parts.map(String.init), source: source)
    }

    /// Keys from a list of hex texts (the first signs).
    /// - Throws: `FlecheError.invalidConfiguration` naming `source` for text that is not
    ///   hex, or a key shorter than 16 bytes.
    public init(hex list: [String], source: String) throws {
        keys = try list.map { text in
            guard let key = Self.bytes(hex: text) else {
                throw FlecheError.invalidConfiguration(path: source, reason: "a secret key is hex digits (e.g. `openssl rand -hex 32`)")
            }
            guard key.count >= 16 else {
                throw FlecheError.invalidConfiguration(path: source, reason: "a secret key needs at least 16 bytes (32 hex digits)")
            }
            return key
        }
    }

    /// The keys `$FLECHE_SECRET_KEY` gives, or ``noKeys``.
    /// - Throws: `FlecheError.invalidConfiguration` when it is set but not hex keys.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SigningKeys {
        guard let text = environment["FLECHE_SECRET_KEY"], !text.isEmpty else { return .noKeys }
        return try SigningKeys(hex: text, source: "$FLECHE_SECRET_KEY")
    }

    /// Whether there are no keys.
    public var isEmpty: Bool { keys.isEmpty }

    /// A key's public name: the first 8 hex digits of its SHA-256 (says which key, reveals
    /// nothing of it).
    public static func identifier(of key: [UInt8]) -> String {
        FlecheValue.Digest(bytes: Array(SHA256.hash(data: key).prefix(4))).hex
    }

    /// The names of the keys, in order.
    public var identifiers: [String] { keys.map(Self.identifier) }

    private static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard Hex.isHex(text), digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { Hex.values[Int(digits[$0])] << 4 | Hex.values[Int(digits[$0 + 1])] }
    }
}
