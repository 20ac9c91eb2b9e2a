import Crypto
import FlecheValue

/// The signature member of a signed manifest: the last member of the document,
/// `"signature": {"key": "<8 hex: the key's identifier>", "hmac": "<64 hex>"}`, where the
/// HMAC-SHA256 is over the manifest's key (64 or 32 hex digits), a newline, and the
/// manifest's bytes as they were before the member was added. Signing the key too means a
/// signed manifest copied under another call's name fails its check.
enum ManifestSignature {
    /// What a manifest's signature says to a reader with keys.
    enum Verdict: Equatable {
        /// Signed by one of the keys, unchanged since.
        case trusted
        /// No signature member.
        case unsigned
        /// Signed by a key the reader does not have.
        case unknownKey(String)
        /// Signed by one of the keys, but the bytes or the file name changed since.
        case mismatch(String)
    }

    private static let head = Array(",\n  \"signature\": {\"key\": \"".utf8)
    private static let middle = Array("\", \"hmac\": \"".utf8)
    private static let tail = Array("\"}\n}\n".utf8)
    /// An unsigned manifest ends with this; a signed one has the member in its place.
    private static let unsignedEnd = Array("\n}\n".utf8)
    private static let identifierLength = 8, macLength = 64
    private static let suffixLength = head.count + identifierLength + middle.count + macLength + tail.count

    /// `unsigned` (a manifest as `CallManifest.encode` writes it) signed with the first key.
    static func sign(_ unsigned: [UInt8], key: FlecheValue.Digest, keys: SigningKeys) -> [UInt8] {
        guard let secret = keys.keys.first, unsigned.count > unsignedEnd.count,
              Array(unsigned.suffix(unsignedEnd.count)) == unsignedEnd else { return unsigned }
        let mac = authenticationCode(unsigned[...], key: key, secret: secret)
        var signed = Array(unsigned.dropLast(unsignedEnd.count))
        signed += head
        signed += Array(SigningKeys.identifier(of: secret).utf8)
        signed += middle
        signed += Array(mac.utf8)
        signed += tail
        return signed
    }

    /// Checks the signature of the manifest `bytes` stored under `key`.
    static func check(_ bytes: UnsafeRawBufferPointer, key: FlecheValue.Digest, keys: SigningKeys) -> Verdict {
        let count = bytes.count
        guard count > suffixLength else { return .unsigned }
        let suffix = bytes[(count - suffixLength)...]
        var position = suffix.startIndex
        func take(_ expected: [UInt8]) -> Bool {
            defer { position += expected.count }
            return suffix[position..<position + expected.count].elementsEqual(expected)
        }
        func field(_ length: Int) -> String {
            defer { position += length }
            return String(decoding: suffix[position..<position + length], as: UTF8.self)
        }
        guard take(head) else { return .unsigned }
        let identifier = field(identifierLength)
        guard take(middle) else { return .unsigned }
        let mac = field(macLength)
        guard take(tail) else { return .unsigned }
        guard let secret = keys.keys.first(where: { SigningKeys.identifier(of: $0) == identifier }) else {
            return .unknownKey(identifier)
        }
        let unsigned = Array(bytes[..<(count - suffixLength)]) + unsignedEnd
        return constantTimeEqual(authenticationCode(unsigned[...], key: key, secret: secret), mac) ? .trusted : .mismatch(identifier)
    }

    private static func authenticationCode(_ manifest: ArraySlice<UInt8>, key: FlecheValue.Digest, secret: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret))
        hmac.update(data: Array((key.hex + "\n").utf8))
        hmac.update(data: manifest)
        return FlecheValue.Digest(bytes: Array(hmac.finalize())).hex
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
