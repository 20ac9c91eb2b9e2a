import FlecheValue

/// Where a store lives in S3: an endpoint, a bucket, and a key prefix inside it, with the
/// region that signs requests and the addressing style.
///
/// The store's files are the keys `<prefix>/FORMAT`, `<prefix>/objects/ab/cd…` and
/// `<prefix>/calls/ab/cd…`, the same names the file store uses under its folder.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// The endpoint's host name or address, without the bucket.
    public let host: String
    /// The endpoint's port, when it is not the scheme's default.
    public let port: Int?
    /// The bucket.
    public let bucket: String
    /// The store's folder in the bucket, without leading or trailing slashes (empty: the
    /// bucket's root).
    public let prefix: String
    /// The region requests are signed for.
    public let region: String
    /// Path-style addressing (`http://host/bucket/key`), which S3-compatible servers such
    /// as SeaweedFS and MinIO expect; otherwise virtual-hosted (`https://bucket.host/key`).
    public let pathStyle: Bool

    /// A location; `endpoint` is `scheme://host[:port]` (default: AWS's endpoint of
    /// `region`, virtual-hosted).
    ///
    /// - Throws: `FlecheError.invalidArguments` saying what to fix for an endpoint that is
    ///   not `http(s)://host[:port]` or a bucket name S3 does not allow.
    public init(
        endpoint: String? = nil, bucket: String, prefix: String = "", region: String = "us-east-1", pathStyle: Bool? = nil
    ) throws {
        let url = endpoint ?? "https://s3.\(region).amazonaws.com"
        guard let schemeEnd = url.range(of: "://") else {
            throw FlecheError.invalidArguments("S3 endpoint '\(url)' must look like http://host:port or https://host")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var authority = String(url[schemeEnd.upperBound...])
        if authority.hasSuffix("/") { authority.removeLast() }
        guard scheme == "http" || scheme == "https", !authority.isEmpty, !authority.contains("/") else {
            throw FlecheError.invalidArguments("S3 endpoint '\(url)' must look like http://host:port or https://host (no path)")
        }
        var host = authority
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                throw FlecheError.invalidArguments("S3 endpoint '\(url)' has a port that is not a number from 1 to 65535")
            }
            host = String(authority[..<colon])
            port = number
        }
        let allowed = bucket.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
        guard (3...63).contains(bucket.utf8.count), allowed else {
            throw FlecheError.invalidArguments(
                "S3 bucket '\(bucket)' is not a valid name: 3 to 63 lowercase letters, digits, '-' and '.'")
        }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.bucket = bucket
        self.prefix = prefix.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        self.region = region
        self.pathStyle = pathStyle ?? (endpoint != nil)
    }

    /// `s3://bucket/prefix`: how messages name the store.
    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }

    /// The full key of `name`, a path inside the store (`objects/ab/cd…`).
    public func key(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix)/\(name)" }

    /// The store-relative name of a full `key`, or `nil` for a key outside the store.
    func name(ofKey key: String) -> Substring? {
        guard !prefix.isEmpty else { return key[...] }
        guard key.hasPrefix(prefix), key.utf8.count > prefix.utf8.count + 1 else { return nil }
        let rest = key.dropFirst(prefix.count)
        return rest.first == "/" ? rest.dropFirst() : nil
    }

    /// `s3://bucket/key`: how messages name one key.
    func display(_ key: String) -> String { "s3://\(bucket)/\(key)" }

    /// The `Host` header's value.
    var hostHeader: String {
        let base = pathStyle ? host : "\(bucket).\(host)"
        return port.map { "\(base):\($0)" } ?? base
    }

    /// The request path (not yet encoded) of `key`, or of the bucket when `key` is empty.
    func path(of key: String) -> String {
        pathStyle ? (key.isEmpty ? "/\(bucket)" : "/\(bucket)/\(key)") : "/\(key)"
    }
}
