import FlecheValue
import Foundation
import Testing
@testable import FlecheS3

/// Where credentials come from and how a location names its keys.
@Suite("S3 credentials and locations")
struct S3ConfigurationTests {
    @Test("the environment wins over the shared credentials file")
    func environmentFirst() throws {
        let folder = try temporaryFolder()
        try Data("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/credentials"))
        let fromEnvironment = try S3Credentials.discover(environment: [
            "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "token",
            "AWS_SHARED_CREDENTIALS_FILE": folder + "/credentials",
        ])
        #expect(fromEnvironment == S3Credentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "token"))
        let fromFile = try S3Credentials.discover(environment: ["AWS_SHARED_CREDENTIALS_FILE": folder + "/credentials"])
        #expect(fromFile == S3Credentials(accessKeyID: "FILEKEY", secretAccessKey: "filesecret"))
    }

    @Test("profiles of the shared file: AWS_PROFILE, comments, `[profile name]`, a missing key")
    func profiles() throws {
        let folder = try temporaryFolder()
        let text = """
            # team credentials
            [default]
            aws_access_key_id=A1
            aws_secret_access_key=S1

            [profile ci]
            ; the CI runner's
            AWS_ACCESS_KEY_ID = A2
            aws_secret_access_key = S2
            aws_session_token = T2
            [broken]
            aws_access_key_id = A3
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/credentials"))
        let environment = ["AWS_SHARED_CREDENTIALS_FILE": folder + "/credentials", "AWS_PROFILE": "ci"]
        #expect(try S3Credentials.discover(environment: environment) == S3Credentials(accessKeyID: "A2", secretAccessKey: "S2", sessionToken: "T2"))
        #expect(try S3Credentials.discover(environment: environment, profile: "default").accessKeyID == "A1")
        #expect { try S3Credentials.discover(environment: environment, profile: "broken") } throws: {
            "\($0)".contains("profile [broken] needs aws_access_key_id and aws_secret_access_key")
        }
        #expect { try S3Credentials.discover(environment: environment, profile: "nobody") } throws: {
            "\($0)".contains("no profile [nobody]") && "\($0)".contains("set AWS_ACCESS_KEY_ID")
        }
    }

    @Test("no credentials anywhere says what to set")
    func noCredentials() throws {
        let folder = try temporaryFolder()
        #expect { try S3Credentials.discover(environment: ["HOME": folder]) } throws: {
            "\($0)".contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") && "\($0)".contains(folder + "/.aws/credentials")
        }
    }

    @Test("keys: the file store's names under the prefix; path-style and virtual-hosted requests")
    func keys() throws {
        let local = try S3Location(endpoint: "http://127.0.0.1:8333/", bucket: "team", prefix: "/stores/fleche/")
        #expect(local.prefix == "stores/fleche")
        #expect(local.pathStyle)
        #expect(local.hostHeader == "127.0.0.1:8333")
        #expect(local.path(of: local.key("FORMAT")) == "/team/stores/fleche/FORMAT")
        #expect(local.name(ofKey: "stores/fleche/calls/ab/cd") == "calls/ab/cd")
        #expect(local.name(ofKey: "stores/flecheX/calls/ab/cd") == nil)
        #expect("\(local)" == "s3://team/stores/fleche")

        let aws = try S3Location(bucket: "team", region: "eu-west-1")
        #expect(!aws.pathStyle)
        #expect(aws.hostHeader == "team.s3.eu-west-1.amazonaws.com")
        #expect(aws.path(of: aws.key("objects/ab/cd")) == "/objects/ab/cd")

        let digest = try #require(Digest(hex: String(repeating: "ab", count: 32)))
        let store = S3Folder(client: S3Client(location: local, credentials: S3Credentials(accessKeyID: "k", secretAccessKey: "s")), name: "objects", algorithm: .sha256)
        #expect(store.key(digest) == "stores/fleche/objects/ab/" + String(repeating: "ab", count: 31))
        #expect(store.digest(ofKey: store.key(digest)) == digest)
        #expect(store.digest(ofKey: "stores/fleche/objects/ab/cd") == nil)
        #expect(store.digest(ofKey: "stores/fleche/calls/ab/" + String(repeating: "ab", count: 31)) == nil)
    }

    @Test("a bad endpoint or bucket name is an error that says what is allowed")
    func badLocations() {
        #expect { try S3Location(endpoint: "127.0.0.1:8333", bucket: "team") } throws: { "\($0)".contains("http://host:port") }
        #expect { try S3Location(endpoint: "http://host/path", bucket: "team") } throws: { "\($0)".contains("no path") }
        #expect { try S3Location(endpoint: "http://host:99999", bucket: "team") } throws: { "\($0)".contains("port") }
        #expect { try S3Location(bucket: "Team_Bucket") } throws: { "\($0)".contains("lowercase letters") }
    }

    @Test("listings and times of S3's answers")
    func answers() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>\
            <Contents><Key>p/calls/ab/c&amp;d</Key><LastModified>2026-11-27T05:19:43.250Z</LastModified><Size>412</Size></Contents>\
            <Contents><Key>p/FORMAT</Key><LastModified>2024-02-29T23:59:59Z</LastModified><Size>7</Size></Contents>\
            <NextContinuationToken>abc/+=</NextContinuationToken></ListBucketResult>
            """
        let page = S3ListPage.parse(Array(xml.utf8))
        #expect(page.isTruncated && page.nextToken == "abc/+=")
        #expect(page.objects.map(\.key) == ["p/calls/ab/c&d", "p/FORMAT"])
        #expect(page.objects.map(\.size) == [412, 7])
        #expect(page.objects[0].lastModified == Date(timeIntervalSince1970: 1_795_756_783.25))
        #expect(page.objects[1].lastModified == Date(timeIntervalSince1970: 1_709_251_199))
        #expect(S3Time.parseHTTPDate("Fri, 27 Nov 2026 05:19:43 GMT") == Date(timeIntervalSince1970: 1_795_756_783))
        let error = S3ErrorBody.parse(Array("<Error><Code>NoSuchBucket</Code><Message>The bucket &lt;x&gt; does not exist</Message></Error>".utf8))
        #expect(error.code == "NoSuchBucket" && error.message == "The bucket <x> does not exist")
    }
}
