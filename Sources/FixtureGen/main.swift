// Generates Swift Testing source from the fixture folder: one test per case, named after it.
//
//   FixtureGen <Fixtures folder> <output .swift file>
//
// Run by the DigestFixtures build-tool plugin on every build of the test target whose
// fixtures changed. It only transcribes: each fixture file is embedded verbatim (base64),
// and each test hands its file and case index to `FixtureCheck` in the test target.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: FixtureGen FIXTURES_DIR OUTPUT.swift\n".utf8))
    exit(2)
}
let fixtures = URL(fileURLWithPath: arguments[1])
let output = URL(fileURLWithPath: arguments[2])

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("FixtureGen: \(message)\n".utf8))
    exit(1)
}

func jsonFiles(_ folder: String) -> [URL] {
    let directory = fixtures.appendingPathComponent(folder)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
}

func object(_ url: URL) -> [String: Any] {
    guard let data = try? Data(contentsOf: url),
          let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
    else { fail("\(url.path) is not a JSON object") }
    return parsed
}

/// A Swift string literal of `text` (escaped for a plain "…" literal).
func literal(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

var tests: [String] = []
/// One constant per fixture file: its exact bytes, so a test sees what the file says.
var files: [String] = []

@MainActor func fileConstant(_ url: URL) -> String {
    guard let data = try? Data(contentsOf: url) else { fail("cannot read \(url.path)") }
    files.append("    static let file\(files.count) = \(literal(data.base64EncodedString()))")
    return "Self.file\(files.count - 1)"
}
var valueCount = 0
var callCount = 0
var objectCount = 0
var manifestCount = 0
var seen = Set<String>()

@MainActor func addTest(_ kind: String, _ name: String, _ file: String, _ body: String) {
    guard seen.insert("\(kind) \(name)").inserted else { fail("two \(kind) cases are named '\(name)'") }
    let function = "\(kind)_\(tests.count)"
    tests.append("""
        @Test(\(literal("\(kind) \(name)  [\(file)]")))
        func \(function)() throws {
            \(body)
        }
    """)
}

for url in jsonFiles("digests") {
    let document = object(url)
    let file = "digests/" + url.lastPathComponent
    let constant = fileConstant(url)
    for (index, item) in (document["values"] as? [Any] ?? []).enumerated() {
        let name = (item as? [String: Any])?["name"] as? String ?? "(unnamed)"
        addTest("value", name, file, "try FixtureCheck.value(name: \(literal(name)), file: \(constant), index: \(index))")
        valueCount += 1
    }
    for (index, item) in (document["calls"] as? [Any] ?? []).enumerated() {
        let name = (item as? [String: Any])?["name"] as? String ?? "(unnamed)"
        addTest("call", name, file, "try FixtureCheck.call(name: \(literal(name)), file: \(constant), index: \(index))")
        callCount += 1
    }
}
for url in jsonFiles("objects") {
    let spec = object(url)
    let name = spec["name"] as? String ?? url.lastPathComponent
    let objectURL = url.deletingPathExtension().appendingPathExtension("object")
    let bytes = (try? Data(contentsOf: objectURL))?.base64EncodedString() ?? ""
    addTest("object", name, "objects/" + url.lastPathComponent,
            "try FixtureCheck.object(name: \(literal(name)), spec: \(fileConstant(url)), bytes: \(literal(bytes)))")
    objectCount += 1
}
for url in jsonFiles("manifests") {
    let spec = object(url)
    let name = spec["name"] as? String ?? url.lastPathComponent
    let manifestURL = url.deletingPathExtension().appendingPathExtension("manifest")
    let bytes = (try? Data(contentsOf: manifestURL))?.base64EncodedString() ?? ""
    addTest("manifest", name, "manifests/" + url.lastPathComponent,
            "try FixtureCheck.manifest(name: \(literal(name)), spec: \(fileConstant(url)), bytes: \(literal(bytes)))")
    manifestCount += 1
}

// A folder with no cases (a wrong path, a checkout without Fixtures/) would generate a suite
// that passes having checked nothing: that is a build error, not a green run.
for (folder, count) in [("digests (values)", valueCount), ("digests (calls)", callCount), ("objects", objectCount), ("manifests", manifestCount)]
where count == 0 {
    fail("no \(folder) cases under \(fixtures.path): the fixtures are missing or unreadable")
}

let source = """
    // Generated by FixtureGen from the Fixtures/ folder on every build; do not edit.
    // Add cases to Fixtures/ and run `swift package update-fixtures` to fill in their expectations.
    import Testing

    @Suite("Fixtures (\(valueCount) values, \(callCount) calls, \(objectCount) objects, \(manifestCount) manifests)")
    struct GeneratedFixtureTests {
        static let valueCases = \(valueCount)
        static let callCases = \(callCount)
        static let objectCases = \(objectCount)

        @Test("the fixtures hold at least 60 value cases and 10 call cases")
        func coverage() {
            #expect(Self.valueCases >= 60)
            #expect(Self.callCases >= 10)
            #expect(Self.objectCases >= 1)
        }

    \(tests.joined(separator: "\n\n"))

    \(files.joined(separator: "\n"))
    }

    """
do {
    try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
    if (try? String(contentsOf: output, encoding: .utf8)) != source {
        try source.write(to: output, atomically: true, encoding: .utf8)
    }
} catch {
    fail("cannot write \(output.path): \(error)")
}
