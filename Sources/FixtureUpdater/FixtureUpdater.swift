import ArgumentParser
import Fleche
import Foundation

/// Fills in the expected digests and object files of new fixture cases. Expected values that
/// already exist are checked, never changed, unless `--bump-format` says the format version
/// is being bumped on purpose.
@main
struct FixtureUpdater: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixture-updater",
        abstract: "Compute the expected digests of new fixture cases and write them.",
        discussion: """
            Cases whose expected digests are null (or missing) get them computed; object cases \
            get their .object file. A computed digest that differs from a recorded one is a \
            format change: the command refuses it and exits 1, unless --bump-format.
            """)

    @Argument(help: "The fixtures folder.", completion: .directory)
    var directory: String = "Fixtures"

    @Flag(name: .long, help: "Overwrite recorded digests and objects that differ (only when bumping the store format version).")
    var bumpFormat = false

    func run() throws {
        var conflicts: [String] = []
        var filled = 0
        let digests = directory + "/digests"
        for file in try jsonFiles(in: digests) {
            var document = try readJSON(file)
            for section in ["values", "calls"] {
                guard let cases = document[section]?.arrayValue else { continue }
                var updated: [JSON] = []
                for item in cases {
                    let name = item["name"]?.stringValue ?? "(unnamed)"
                    var members = item.objectValue ?? []
                    for algorithm in DigestAlgorithm.allCases {
                        let computed = try digest(of: item, section: section, algorithm: algorithm, file: file)
                        let field = algorithm.rawValue
                        switch item[field] {
                        case nil, .null?:
                            set(&members, field, .string(computed.hex))
                            filled += 1
                        case .string(computed.hex)?:
                            break
                        default:
                            conflicts.append("\(file): \(name): \(field) is recorded as \(item[field]!.serialized()), computes as \(computed.hex)")
                            if bumpFormat { set(&members, field, .string(computed.hex)) }
                        }
                    }
                    updated.append(.object(members))
                }
                set(&document, section, .array(updated))
            }
            try write(document, to: file)
        }
        for file in try jsonFiles(in: directory + "/objects") {
            filled += try updateObject(file, conflicts: &conflicts)
        }
        for conflict in conflicts { FileHandle.standardError.write(Data("\(conflict)\n".utf8)) }
        if !conflicts.isEmpty && !bumpFormat {
            throw FixtureError("\(conflicts.count) recorded expectation(s) differ from what this build computes; "
                + "that changes the on-disk format: fix the code, or rerun with --bump-format and bump StoreFormat.currentVersion")
        }
        print("filled \(filled) expectation(s)\(bumpFormat && !conflicts.isEmpty ? ", overwrote \(conflicts.count)" : "")")
    }

    private func digest(of item: JSON, section: String, algorithm: DigestAlgorithm, file: String) throws -> Digest {
        let name = item["name"]?.stringValue ?? "(unnamed)"
        do {
            if section == "values" {
                return try Value(jsonForm: item["value"] ?? .null).digest(using: algorithm)
            }
            guard let call = item["call"] else { throw FixtureError("no 'call'") }
            return try Call(jsonForm: call).key(using: algorithm)
        } catch {
            throw FixtureError("\(file): case '\(name)': \(error)")
        }
    }

    /// Writes the `.object` file of an object case (if missing) and its expectations.
    private func updateObject(_ file: String, conflicts: inout [String]) throws -> Int {
        var spec = try readJSON(file)
        let name = spec["name"]?.stringValue ?? file
        guard let algorithmName = spec["algorithm"]?.stringValue, let algorithm = DigestAlgorithm(rawValue: algorithmName) else {
            throw FixtureError("\(file): 'algorithm' must be sha256 or xxh3-128")
        }
        let value: Value
        do {
            value = try Value(jsonForm: spec["value"] ?? .null)
        } catch {
            throw FixtureError("\(file): 'value': \(error)")
        }
        let objectPath = String(file.dropLast(".json".count)) + ".object"
        let encoded: ObjectFormat.Encoded
        if let chunked = spec["chunked"] {
            guard let seed = chunked["seed"]?.int64Value, let length = chunked["length"]?.int64Value, length >= 0 else {
                throw FixtureError("\(file): 'chunked' needs a 'seed' and a 'length'")
            }
            encoded = ObjectFormat.encodeChunked(
                ObjectFormat.generatedBytes(seed: UInt64(seed), count: Int(length)), algorithm: algorithm).list
        } else if spec["file_body"] == .bool(true) {
            guard case .bytes(let content) = value else { throw FixtureError("\(file): a 'file_body' case needs a bytes value") }
            encoded = ObjectFormat.encodeFileBody(Array(content), algorithm: algorithm)
        } else {
            let bodies = (spec["file_bodies"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Digest.init(hex:)) }
            encoded = ObjectFormat.encode(
                value, algorithm: algorithm, compressionLevel: Int(spec["compression_level"]?.int64Value ?? 1),
                destructureDepth: spec["destructure_depth"]?.int64Value.map(Int.init), fileBodies: Set(bodies))
        }
        var filled = 0
        if !FileManager.default.fileExists(atPath: objectPath) || bumpFormat {
            let existing = FileManager.default.contents(atPath: objectPath).map(Array.init)
            if let existing, existing != encoded.bytes { conflicts.append("\(objectPath): object bytes differ") }
            if existing == nil { filled += 1 }
            try Data(encoded.bytes).write(to: URL(fileURLWithPath: objectPath))
        }
        let bytes = Array(FileManager.default.contents(atPath: objectPath) ?? Data())
        let decoded: ObjectFormat.Decoded
        do {
            decoded = try ObjectFormat.decode(bytes)
        } catch {
            throw FixtureError("\(objectPath): does not decode (\(error)); delete it to regenerate")
        }
        var expectations: [(String, JSON)] = [
            ("digest", .string(encoded.digest.hex)),
            ("children", .array(decoded.children.map { .string($0.hex) })),
        ]
        if decoded.chunkLengths.isEmpty {
            expectations.append(("decoded", decoded.value.jsonForm))
            expectations.append(("codec", .string(decoded.isFileBody ? "file-body" : decoded.isCompressed ? "zlib" : "raw")))
        } else {
            expectations.append(("chunk_lengths", .array(decoded.chunkLengths.map { .int(Int64($0)) })))
            expectations.append(("codec", .string("chunked")))
        }
        var members = spec.objectValue ?? []
        for (field, computed) in expectations {
            switch spec[field] {
            case nil, .null?:
                set(&members, field, computed)
                filled += 1
            case let recorded? where recorded == computed:
                break
            default:
                conflicts.append("\(file): \(name): \(field) differs from what this build computes")
                if bumpFormat { set(&members, field, computed) }
            }
        }
        spec = .object(members)
        try write(spec, to: file)
        return filled
    }

    private func jsonFiles(in directory: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory + "/" + $0 }
    }

    private func readJSON(_ file: String) throws -> JSON {
        guard let data = FileManager.default.contents(atPath: file) else { throw FixtureError("cannot read \(file)") }
        do {
            return try JSON.parse(Array(data))
        } catch {
            throw FixtureError("\(file): \(error)")
        }
    }

    private func write(_ document: JSON, to file: String) throws {
        try Data(document.serializedBytes(pretty: true)).write(to: URL(fileURLWithPath: file), options: .atomic)
    }

    private func set(_ members: inout [(String, JSON)], _ key: String, _ value: JSON) {
        if let index = members.firstIndex(where: { $0.0 == key }) {
            members[index].1 = value
        } else {
            members.append((key, value))
        }
    }

    private func set(_ document: inout JSON, _ key: String, _ value: JSON) {
        var members = document.objectValue ?? []
        set(&members, key, value)
        document = .object(members)
    }
}

/// A fixture that cannot be read, or an expectation this build does not reproduce.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
