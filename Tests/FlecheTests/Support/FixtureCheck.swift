import Foundation
import Testing
@testable import Fleche
@testable import FlecheCache
@testable import FlecheConfig
@testable import FlecheQuery
@testable import FlecheStore
@testable import FlecheSystem
@testable import FlecheValue

/// The checks behind the tests that FixtureGen generates from Fixtures/ (one per case).
enum FixtureCheck {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ base64: String, _ name: String) throws -> JSON {
        guard let data = Data(base64Encoded: base64) else { throw Failure(description: "\(name): bad generated data") }
        return try JSON.parse(Array(data))
    }

    /// Case `index` of a fixture file's `section`, checked to be the named one.
    static func fixture(_ base64: String, _ section: String, _ index: Int, _ name: String) throws -> JSON {
        let cases = try parse(base64, name)[section]?.arrayValue ?? []
        let fixture = try #require(index < cases.count ? cases[index] : nil, "\(name): case \(index) is missing")
        try #require(fixture["name"]?.stringValue == name, "\(name): case \(index) is named \(fixture["name"]?.serialized() ?? "nothing")")
        return fixture
    }

    /// Expected digests under both algorithms, and lossless payload and JSON round trips.
    static func value(name: String, file: String, index: Int) throws {
        let fixture = try fixture(file, "values", index, name)
        let value = try Value(jsonForm: try #require(fixture["value"], "\(name): no 'value'"))
        try expectDigests(name, fixture) { value.digest(using: $0) }
        let bytes = ValueCodec.encode(value)
        #expect(try ValueCodec.decode(bytes) == value, "\(name): binary payload does not round-trip")
        #expect(try Value(jsonForm: JSON.parse(value.jsonForm.serialized())) == value, "\(name): JSON form does not round-trip")
    }

    /// Expected lookup keys under both algorithms.
    static func call(name: String, file: String, index: Int) throws {
        let fixture = try fixture(file, "calls", index, name)
        let call = try Call(jsonForm: try #require(fixture["call"], "\(name): no 'call'"))
        try expectDigests(name, fixture) { call.key(using: $0) }
        // Memoized functions compute keys their own, faster way: it must agree.
        let hasher = CallKeyHasher(identity: FunctionIdentity(
            name: call.name, module: call.module, version: call.version, codeDigest: call.codeDigest,
            argumentNames: call.arguments.map(\.name)))
        try expectDigests(name + " (memoized)", fixture) { algorithm in
            hasher.key(arguments: call.arguments.map { ($0.name, $0.value.digest(using: algorithm)) }, algorithm: algorithm)
        }
        #expect(try Call(jsonForm: call.jsonForm) == call, "\(name): call JSON form does not round-trip")
    }

    /// The pinned object bytes decode to the recorded value, children and digest.
    static func object(name: String, spec base64: String, bytes objectBase64: String) throws {
        let spec = try parse(base64, name)
        let bytes = Array(try #require(Data(base64Encoded: objectBase64), "\(name): no .object file next to the spec"))
        try #require(!bytes.isEmpty, "\(name): the .object file is missing; run `fleche fixtures update`")
        let algorithm = try #require(spec["algorithm"]?.stringValue.flatMap(DigestAlgorithm.init(rawValue:)), "\(name): bad algorithm")
        let decoded = try ObjectFormat.decode(bytes)
        let expectedDecoded = try Value(jsonForm: try #require(spec["decoded"], "\(name): no 'decoded'; run `fleche fixtures update`"))
        #expect(decoded.value == expectedDecoded, "\(name): object decodes to \(decoded.value.jsonForm.serialized())")
        let digest = try #require(spec["digest"]?.stringValue, "\(name): no 'digest'; run `fleche fixtures update`")
        #expect(decoded.value.digest(using: algorithm).hex == digest, "\(name): decoded object digests differently")
        let value = try Value(jsonForm: try #require(spec["value"], "\(name): no 'value'"))
        #expect(value.digest(using: algorithm).hex == digest, "\(name): 'value' digests differently from the object")
        #expect(decoded.children.map(\.hex) == (spec["children"]?.arrayValue ?? []).compactMap(\.stringValue), "\(name): children differ")
        let codec = try #require(spec["codec"]?.stringValue, "\(name): no 'codec'; run `fleche fixtures update`")
        let found = decoded.isFileBody ? "file-body" : decoded.isCompressed ? "zlib" : "raw"
        #expect(found == codec, "\(name): codec is \(found)")
    }

    /// A pinned manifest parses to a record whose key is the recorded one, and this build
    /// writes the same record back byte for byte.
    static func manifest(name: String, spec base64: String, bytes manifestBase64: String) throws {
        let spec = try parse(base64, name)
        let bytes = Array(try #require(Data(base64Encoded: manifestBase64), "\(name): no .manifest file"))
        try #require(!bytes.isEmpty, "\(name): the .manifest file is missing")
        let algorithm = try #require(spec["algorithm"]?.stringValue.flatMap(DigestAlgorithm.init(rawValue:)), "\(name): bad algorithm")
        let record = try CallManifest.decode(bytes)
        #expect(record.key(using: algorithm).hex == spec["key"]?.stringValue, "\(name): the record's key changed")
        #expect(CallManifest.encode(record) == bytes, "\(name): this build writes the manifest differently")
        for reference in record.arguments.map(\.value) + [record.result].compactMap({ $0 }) {
            if let inline = reference.inline {
                #expect(inline.digest(using: algorithm) == reference.digest, "\(name): an inline value does not match its digest")
            }
        }
    }

    private static func expectDigests(_ name: String, _ fixture: JSON, _ compute: (DigestAlgorithm) -> Digest) throws {
        for algorithm in DigestAlgorithm.allCases {
            let expected = try #require(
                fixture[algorithm.rawValue]?.stringValue, "\(name): no expected \(algorithm.rawValue); run `fleche fixtures update`")
            #expect(compute(algorithm).hex == expected, "\(name): \(algorithm.rawValue) digest changed")
        }
    }
}
