import Crypto
import FlecheValue
import Foundation

/// AWS Signature Version 4 for S3 requests: the canonical request, the string to sign, the
/// derived signing key and the `Authorization` header, as AWS documents them ("Signature
/// Version 4 signing process"), checked against AWS's published test suite and the S3
/// examples (`SignatureV4Tests`).
///
/// S3 differs from the generic rules in one place: the path is URI-encoded once and never
/// normalized (`a//b/../c` is a key of its own).
public struct SignatureV4: Sendable {
    /// The credentials requests are signed with.
    public let credentials: S3Credentials
    /// The region in the credential scope (`us-east-1` for most S3-compatible servers).
    public let region: String
    /// The service in the credential scope: `s3`.
    public let service: String

    /// A signer for `service` in `region`.
    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// One request to sign: its method, path (not yet encoded), query parameters (not yet
    /// encoded), headers (every one of them is signed; `host` and `x-amz-date` must be
    /// among them) and the hex SHA-256 of its body.
    public struct Request: Sendable {
        /// `GET`, `PUT`, `HEAD`, `DELETE`, `POST`.
        public var method: String
        /// The path as the server sees it, before URI encoding: `/bucket/objects/ab/cd…`.
        public var path: String
        /// Query parameters in any order, before URI encoding.
        public var query: [(name: String, value: String)]
        /// Header names and values; repeated names are joined with commas, as AWS specifies.
        public var headers: [(name: String, value: String)]
        /// The hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        /// A request to sign.
        public init(
            method: String, path: String, query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)], payloadHash: String
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The hex SHA-256 of `bytes`: a request's payload hash.
    public static func payloadHash(_ bytes: some Sequence<UInt8>) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(bytes))))
    }

    /// The hex SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The value of the `Authorization` header for `request`, whose `x-amz-date` header is
    /// `amzDate` (`yyyyMMdd'T'HHmmss'Z'`, UTC).
    public func authorization(for request: Request, amzDate: String) -> String {
        let canonical = canonicalRequest(request)
        let scope = credentialScope(amzDate: amzDate)
        let toSign = stringToSign(canonicalRequest: canonical.text, amzDate: amzDate, scope: scope)
        let signature = HMAC<SHA256>.authenticationCode(
            for: Array(toSign.utf8), using: signingKey(day: String(amzDate.prefix(8))))
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(Hex.encode(Array(signature)))"
    }

    /// The canonical request: method, encoded path, sorted encoded query, the lowercased,
    /// trimmed and sorted headers, the signed header names, the payload hash.
    package func canonicalRequest(_ request: Request) -> (text: String, signedHeaders: String) {
        var grouped: [String: [String]] = [:]
        for (name, value) in request.headers {
            grouped[name.lowercased(), default: []].append(Self.trimmed(value))
        }
        let names = grouped.keys.sorted()
        let headerLines = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let query = request.query
            .map { (Self.encode($0.name, keepSlash: false), Self.encode($0.value, keepSlash: false)) }
            .sorted { $0.0 != $1.0 ? Array($0.0.utf8).lexicographicallyPrecedes($1.0.utf8) : Array($0.1.utf8).lexicographicallyPrecedes($1.1.utf8) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let text = [
            request.method, Self.canonicalPath(request.path), query, headerLines, signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// The string to sign: the algorithm, the time, the credential scope, and the hex
    /// SHA-256 of the canonical request.
    package func stringToSign(canonicalRequest: String, amzDate: String, scope: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.payloadHash(canonicalRequest.utf8))"
    }

    /// `yyyyMMdd/region/service/aws4_request`.
    package func credentialScope(amzDate: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// HMAC chain from `AWS4` + secret over the day, region, service and `aws4_request`.
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// The path URI-encoded once, slashes kept, never normalized (S3's rule).
    package static func canonicalPath(_ path: String) -> String {
        path.isEmpty ? "/" : encode(path, keepSlash: true)
    }

    /// Percent-encodes every byte of `text`'s UTF-8 but the unreserved characters
    /// (`A-Z a-z 0-9 - _ . ~`) and, with `keepSlash`, `/`; hex digits upper case.
    package static func encode(_ text: String, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let upperHex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), upperHex[Int(byte >> 4)], upperHex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A header value with leading and trailing spaces removed and runs of spaces made one.
    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` of `date` in UTC: the `x-amz-date` header.
    public static func amzDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
