import Foundation
import Testing
@testable import FlecheS3

/// Signature Version 4 against AWS's published vectors: the generic test suite's cases that
/// apply to S3 (Vectors/aws-sigv4-suite.json: canonical request, string to sign and
/// `Authorization` of each) and the four worked examples of the S3 documentation.
@Suite("Signature Version 4")
struct SignatureV4Tests {
    struct Suite: Decodable {
        let service: String
        let region: String
        let accessKeyId: String
        let secretAccessKey: String
        let cases: [Case]
    }

    struct Case: Decodable {
        let name: String
        let method: String
        let path: String
        let query: String
        let headers: [[String]]
        let body: String
        let canonicalRequest: String
        let stringToSign: String
        let authorization: String
    }

    static let suite: Suite = {
        let url = Bundle.module.url(forResource: "aws-sigv4-suite", withExtension: "json", subdirectory: "Vectors")!
        return try! JSONDecoder().decode(Suite.self, from: Data(contentsOf: url))
    }()

    static var caseNames: [String] { suite.cases.map(\.name) }

    @Test("AWS's test suite", arguments: caseNames)
    func suiteCase(_ name: String) throws {
        let suite = Self.suite
        let vector = try #require(suite.cases.first { $0.name == name })
        let signer = SignatureV4(
            credentials: S3Credentials(accessKeyID: suite.accessKeyId, secretAccessKey: suite.secretAccessKey),
            region: suite.region, service: suite.service)
        let query: [(name: String, value: String)] = vector.query.isEmpty ? [] : vector.query.split(separator: "&").map {
            let parts = $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        let request = SignatureV4.Request(
            method: vector.method, path: vector.path, query: query, headers: vector.headers.map { ($0[0], $0[1]) },
            payloadHash: SignatureV4.payloadHash(vector.body.utf8))
        let amzDate = "20150830T123600Z"
        let canonical = signer.canonicalRequest(request)
        #expect(canonical.text == vector.canonicalRequest)
        #expect(
            signer.stringToSign(canonicalRequest: canonical.text, amzDate: amzDate, scope: signer.credentialScope(amzDate: amzDate))
                == vector.stringToSign)
        #expect(signer.authorization(for: request, amzDate: amzDate) == vector.authorization)
    }

    /// The worked examples of "Signature Calculations for the Authorization Header"
    /// (Amazon S3 API reference): GET with a range, PUT with a storage class, a sub-resource
    /// query, a listing.
    @Test("the S3 documentation's examples")
    func s3Examples() {
        let signer = SignatureV4(
            credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1")
        let date = "20130524T000000Z"
        let empty = SignatureV4.emptyPayloadHash
        let host = ("host", "examplebucket.s3.amazonaws.com")
        func signature(_ request: SignatureV4.Request) -> String {
            String(signer.authorization(for: request, amzDate: date).split(separator: "=").last!)
        }
        let get = SignatureV4.Request(
            method: "GET", path: "/test.txt",
            headers: [host, ("Range", "bytes=0-9"), ("x-amz-content-sha256", empty), ("x-amz-date", date)], payloadHash: empty)
        #expect(signature(get) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")

        let body = SignatureV4.payloadHash("Welcome to Amazon S3.".utf8)
        #expect(body == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let put = SignatureV4.Request(
            method: "PUT", path: "/test$file.text",
            headers: [
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"), host, ("x-amz-date", date),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", body),
            ], payloadHash: body)
        #expect(signer.canonicalRequest(put).text.split(separator: "\n")[1] == "/test%24file.text")
        #expect(signature(put) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")

        let lifecycle = SignatureV4.Request(
            method: "GET", path: "/", query: [("lifecycle", "")],
            headers: [host, ("x-amz-date", date), ("x-amz-content-sha256", empty)], payloadHash: empty)
        #expect(signature(lifecycle) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")

        let list = SignatureV4.Request(
            method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
            headers: [host, ("x-amz-date", date), ("x-amz-content-sha256", empty)], payloadHash: empty)
        #expect(signature(list) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("URI encoding: unreserved kept, slash only in paths, upper-case hex, UTF-8 bytes")
    func encoding() {
        #expect(SignatureV4.encode("a-b_c.d~e/f g+h=é", keepSlash: true) == "a-b_c.d~e/f%20g%2Bh%3D%C3%A9")
        #expect(SignatureV4.encode("x/y", keepSlash: false) == "x%2Fy")
        #expect(SignatureV4.canonicalPath("") == "/")
        #expect(SignatureV4.canonicalPath("/a//b/../c") == "/a//b/../c")  // S3 never normalizes
    }

    @Test("x-amz-date is UTC, zero-padded")
    func amzDate() {
        #expect(SignatureV4.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
        #expect(SignatureV4.amzDate(Date(timeIntervalSince1970: 1_262_304_061.9)) == "20100101T000101Z")
    }
}
