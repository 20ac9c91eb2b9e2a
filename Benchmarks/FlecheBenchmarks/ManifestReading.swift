import FlecheStore
import FlecheValue
import Foundation

/// Why manifests have a hand-written reader: the same manifest (the workload's, as a miss
/// wrote it) read by Fleche's three readers and by Foundation's two, interleaved round by
/// round in one process. Seconds per manifest, the best round of each.
enum ManifestReading {
    /// The manifest's shape for `JSONDecoder`, as a user of Foundation would write it.
    struct Document: Decodable {
        struct Reference: Decodable {
            var digest: String
            var value: AnyJSON?
        }
        struct Argument: Decodable {
            var name: String
            var digest: String
            var value: AnyJSON?
        }
        var fleche_call: Int
        var name: String
        var module: String?
        var version: String?
        var code: String?
        var arguments: [Argument]
        var result: Reference?
        var metadata: [String: [String: AnyJSON]]
    }

    /// Only the member the hit path needs; `JSONDecoder` still parses the whole text.
    struct ResultOnly: Decodable {
        var result: Document.Reference?
    }

    /// Any JSON value, decoded the way `JSONDecoder` allows.
    enum AnyJSON: Decodable {
        case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let text = try? container.decode(String.self) { self = .string(text) }
            else if let items = try? container.decode([AnyJSON].self) { self = .array(items) }
            else { self = .object(try container.decode([String: AnyJSON].self)) }
        }
    }

    static func compare(manifest: [UInt8], iterations: Int) throws -> [(String, JSON)] {
        let data = Data(manifest)
        let decoder = JSONDecoder()
        // Each reader must read the manifest right before it is timed.
        guard try CallManifest.decodeResult(manifest) != nil,
              try decoder.decode(ResultOnly.self, from: data).result != nil,
              try CallManifest.decode(manifest).arguments.count == 2,
              try decoder.decode(Document.self, from: data).arguments.count == 2,
              try JSON.parse(manifest)["result"] != nil,
              (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["result"] != nil
        else { throw BenchmarkError("a reader did not read the manifest") }

        let readers: [(String, () throws -> Void)] = [
            ("json_fleche_result_only_s", { _ = try CallManifest.decodeResult(manifest) }),
            ("json_foundation_decoder_result_only_s", { _ = try decoder.decode(ResultOnly.self, from: data) }),
            ("json_fleche_record_s", { _ = try CallManifest.decode(manifest) }),
            ("json_foundation_decoder_record_s", { _ = try decoder.decode(Document.self, from: data) }),
            ("json_fleche_tree_s", { _ = try JSON.parse(manifest) }),
            ("json_foundation_serialization_tree_s", { _ = try JSONSerialization.jsonObject(with: data) }),
        ]
        var best = [Double](repeating: .infinity, count: readers.count)
        for _ in 0..<5 {
            for (index, reader) in readers.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<iterations { try reader.1() }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best[index] = min(best[index], elapsed / Double(iterations))
            }
        }
        return zip(readers, best).map { ($0.0, .double($1)) } + [("json_manifest_bytes", .int(Int64(manifest.count)))]
    }
}
