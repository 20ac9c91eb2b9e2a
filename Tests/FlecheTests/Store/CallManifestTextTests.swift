import Foundation
import Testing
@testable import FlecheStore
@testable import FlecheValue

/// The manifest writer writes bytes directly; its text must be exactly the pretty JSON of the
/// manifest document (what the manifest fixtures and every stored manifest hold).
@Suite("Call manifest text")
struct CallManifestTextTests {
    /// The manifest as a JSON tree, written by the generic writer: the oracle.
    func treeText(_ record: CallRecord) -> [UInt8] {
        func reference(_ ref: ValueReference) -> [(String, JSON)] {
            var members: [(String, JSON)] = [("digest", .string(ref.digest.hex))]
            if let inline = ref.inline { members.append(("value", inline.jsonForm)) }
            return members
        }
        let arguments: [JSON] = record.arguments.map { .object([("name", .string($0.name))] + reference($0.value)) }
        let metadata: [(String, JSON)] = record.metadata.sorted { $0.key < $1.key }.map { collector, fields in
            (collector, .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
        return JSON.object([
            ("fleche_call", .int(1)),
            ("name", .string(record.name)),
            ("module", record.module.map(JSON.string) ?? .null),
            ("version", record.version.map(JSON.string) ?? .null),
            ("code", record.codeDigest.map { .string($0.hex) } ?? .null),
            ("arguments", .array(arguments)),
            ("result", record.result.map { .object(reference($0)) } ?? .null),
            ("metadata", .object(metadata)),
        ]).serializedBytes(pretty: true)
    }

    func digest(_ value: Value) -> Digest { value.digest(using: .sha256) }

    @Test("the direct writer's text equals the JSON tree's, for every shape of record")
    func sameText() throws {
        let nested: Value = .record(type: "P", fields: [
            .init(name: "xs", value: .doubles([1.5, -0.0, 1e300])), .init(name: "s", value: .set([.int(1), .string("é\"\\\n\t\u{1}")])),
            .init(name: "d", value: .dictionary([.init(key: .string("k"), value: .array([]))])), .init(name: "o", value: .some(.null)),
        ])
        let records: [CallRecord] = [
            CallRecord(name: "f"),
            CallRecord(
                name: "weird \"name\"\\ \u{7}\u{1f} ünïcødé 🎉", module: "M", version: "1.0\n",
                codeDigest: digest(.string("code")),
                arguments: [
                    .init(name: "i", value: ValueReference(.int(3), using: .sha256, inlineLimit: 1024)),
                    .init(name: "big", value: ValueReference(digest: digest(.bytes(Data(count: 9000))))),
                    .init(name: "nested", value: ValueReference(nested, using: .sha256, inlineLimit: 4096)),
                ],
                metadata: [
                    "runtime": ["timestart": .double(1_764_046_800.123456), "walltime": .double(0.25), "n": .int(-7)],
                    "empty": [:],
                    "tags": ["a\tb": .string("x\"y"), "list": .array([.int(1), .object([("k", .null)]), .array([])]), "flag": .bool(true)],
                ],
                result: ValueReference(.doubles([1, 2, 3]), using: .sha256, inlineLimit: 1024)),
            CallRecord(name: "g", module: nil, arguments: [], metadata: ["runtime": [:]],
                       result: ValueReference(digest: digest(.string("r")))),
        ]
        for record in records {
            let direct = CallManifest.encode(record)
            #expect(direct == treeText(record), "\(String(decoding: direct, as: UTF8.self))")
            // And it reads back as the same record.
            #expect(try CallManifest.decode(direct) == record)
        }
    }
}
