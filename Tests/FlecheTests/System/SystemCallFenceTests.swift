import Foundation
import Testing

/// The fence is a rule about source text, so it is checked on the source: outside
/// `Sources/FlecheSystem`, no Swift file calls the C library's file functions or names the
/// C library's module (`Glibc.`, `Darwin.`), and no file but the fence reads `st_mtim`.
@Suite("System-call fence")
struct SystemCallFenceTests {
    static let rawCalls = [
        "open", "openat", "close", "read", "write", "pread", "pwrite", "fstat", "lstat", "stat", "mkdir", "rmdir",
        "unlink", "rename", "renameat", "link", "flock", "fsync", "opendir", "readdir", "closedir", "utimensat",
        "access", "ftruncate", "lseek",
    ]

    func swiftFiles(under folder: String) -> [String] {
        let root = packageDirectory + "/" + folder
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.map { root + "/" + $0 }
    }

    /// Lines of `file` that call one of ``rawCalls`` as a free function (not a method).
    func violations(in file: String) throws -> [String] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let pattern = try NSRegularExpression(
            pattern: #"(^|[^.\w])(\#(Self.rawCalls.joined(separator: "|")))\("#)
        // A call to a function the file declares itself (a method `open(create:)`, a local
        // `write()`) is not a C call.
        let declared = Set(Self.rawCalls.filter { text.contains("func \($0)(") })
        var found: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            let trimmed = code.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("func ") || trimmed.contains(" func ") { continue }  // a declaration, not a call
            let range = NSRange(code.startIndex..., in: code)
            let call = pattern.firstMatch(in: code, range: range).flatMap { Range($0.range(at: 2), in: code) }.map { String(code[$0]) }
            if call.map({ !declared.contains($0) }) ?? false || code.contains("Glibc.") || code.contains("Darwin.")
                || code.contains("st_mtim") {
                found.append("\(file):\(number + 1): \(trimmed)")
            }
        }
        return found
    }

    @Test("no raw file calls outside Sources/FlecheSystem")
    func fenceHolds() throws {
        let files = swiftFiles(under: "Sources").filter { !$0.contains("/Sources/FlecheSystem/") }
        #expect(files.count > 40, "the scan must see the library's sources")
        var all: [String] = []
        for file in files { all += try violations(in: file) }
        #expect(all.isEmpty, "raw system calls outside the fence:\n\(all.joined(separator: "\n"))")
    }

    @Test("the scan finds a raw call where there is one")
    func scanWorks() throws {
        let directory = try TemporaryDirectory()
        let file = directory.sub("Bad.swift")
        try Data("let fd = open(path, O_RDONLY)\nlet ok = store.read(key)\nfunc rename(_ a: String) {}\nrename(x)\n".utf8)
            .write(to: URL(fileURLWithPath: file))
        #expect(try violations(in: file).count == 1)
    }
}
