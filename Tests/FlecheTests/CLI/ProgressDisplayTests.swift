import Foundation
import Testing
@testable import Fleche

/// Long commands draw a progress line on a terminal (`\r`, erase to the end of the line,
/// `phase done/total (percent%)`) and erase it before their report; with `--json`, or when
/// standard error is not a terminal, they draw nothing.
@Suite("Progress on a terminal", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux's script for a terminal"))
struct ProgressDisplayTests {
    static let erase = "\r\u{1B}[K"

    /// What `fleche arguments` wrote to a pseudo-terminal: `script` runs it with one as its
    /// standard streams and copies what it wrote to our standard output.
    func onTerminal(_ arguments: [String]) throws -> String {
        let command = ([try builtProduct("fleche")] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let result = try run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(result.status == 0, "\(result.stdout)")
        return result.stdout
    }

    func fleche(_ arguments: [String]) throws -> ProcessResult { try run(try builtProduct("fleche"), arguments) }

    @Test("push and pull", needsRsync)
    func pushAndPull() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)
        let push = try onTerminal(["push", directory.sub("team"), "--store", source.root])
        #expect(push.contains(Self.erase + "objects "), "\(push.debugDescription)")
        #expect(push.contains(Self.erase + "calls "), "\(push.debugDescription)")
        #expect(push.contains(Self.erase + "sent 6 calls"), "the line is erased before the report: \(push.debugDescription)")
        let pull = try onTerminal(["pull", directory.sub("team"), "--store", directory.sub("b")])
        #expect(pull.contains(Self.erase) && pull.contains("received 6 calls"), "\(pull.debugDescription)")
        let json = try onTerminal(["push", directory.sub("team2"), "--json", "--store", source.root])
        #expect(!json.contains("\u{1B}[K"), "\(json.debugDescription)")
    }

    @Test("verify, transfer and table; and nothing when standard error is not a terminal")
    func verifyTransferTable() throws {
        let directory = try TemporaryDirectory()
        let source = try SharedStoreFixture(root: directory.sub("a"))
        try source.fill(0..<3)
        let verify = try onTerminal(["verify", "--store", source.root])
        #expect(verify.contains(Self.erase + "objects 0/"), "\(verify.debugDescription)")
        #expect(verify.contains(Self.erase + "calls 0/6"), "\(verify.debugDescription)")
        #expect(verify.contains(Self.erase + "checked 6 calls"), "the line is erased before the report: \(verify.debugDescription)")

        let transfer = try onTerminal(["transfer", source.root, directory.sub("b")])
        #expect(transfer.contains(Self.erase + "calls 0/6 (0%)" + Self.erase + "transferred 6 calls"), "\(transfer.debugDescription)")

        let table = try onTerminal(["table", "--store", source.root])
        #expect(table.contains(Self.erase + "rows 0/6 (0%)" + Self.erase), "\(table.debugDescription)")
        #expect(!(try onTerminal(["table", "--json", "--store", source.root])).contains("\u{1B}[K"))

        // Not a terminal: no display at all.
        for arguments in [["verify", "--store", source.root], ["table", "--store", source.root],
                          ["transfer", source.root, directory.sub("c")]] {
            let result = try fleche(arguments)
            #expect(result.status == 0 && result.stderr.isEmpty, "\(arguments): \(result.stderr)")
        }
    }
}
