import Foundation
import Testing
@testable import Fleche
@testable import FlecheConfig
@testable import FlecheStore

/// Signed manifests: `secret_key` on Fleche's format.
@Suite("signed manifests")
struct SigningTests {
    static let key = [UInt8](repeating: 0x11, count: 32)
    static let other = [UInt8](repeating: 0x22, count: 32)
    static let keyed = SigningKeys(keys: [key])

    /// A store at `root` with `keys`, and a memoized `f(i) = [i, i+1, …]` counting its runs.
    func function(_ root: String, _ keys: SigningKeys, runs: Counter) throws -> Memoized<Int, [Int]> {
        let store = try FileStore(root: root, signingKeys: keys)
        return memoize("f", arguments: ["i"], metadata: [], cache: Cache(store: store)) { (i: Int) -> [Int] in
            runs.increment()
            return Array(i..<(i + 100))
        }
    }

    @Test("a keyed store signs what it writes; keyed and keyless readers hit; another key is a miss that re-signs")
    func signAndRead() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        _ = try function(directory.path, Self.keyed, runs: runs)(1)
        let key = try function(directory.path, Self.keyed, runs: runs).digest(1)
        let bytes = try String(contentsOfFile: try FileStore(root: directory.path).calls.path(of: key), encoding: .utf8)
        #expect(bytes.contains("\"signature\": {\"key\": \"\(SigningKeys.identifier(of: Self.key))\""))

        _ = try function(directory.path, Self.keyed, runs: runs)(1)
        _ = try function(directory.path, .noKeys, runs: runs)(1)
        #expect(runs.value == 1)
        // A reader with another key does not trust it: a miss; its save signs with its key.
        _ = try function(directory.path, SigningKeys(keys: [Self.other]), runs: runs)(1)
        #expect(runs.value == 2)
        _ = try function(directory.path, SigningKeys(keys: [Self.other]), runs: runs)(1)
        #expect(runs.value == 2)
    }

    @Test("a keyed reader treats unsigned, unknown-key, tampered and renamed manifests as misses; verify names each")
    func untrusted() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        for i in 0..<4 { _ = try function(directory.path, Self.keyed, runs: runs)(i) }
        let f = try function(directory.path, Self.keyed, runs: runs)
        let store = try FileStore(root: directory.path, signingKeys: Self.keyed)
        func path(_ i: Int) throws -> String { store.calls.path(of: try f.digest(i)) }

        // 0: unsigned (written by a keyless writer).
        try FileManager.default.removeItem(atPath: try path(0))
        _ = try function(directory.path, .noKeys, runs: runs)(0)
        // 1: signed by a key this store does not have.
        try FileManager.default.removeItem(atPath: try path(1))
        _ = try function(directory.path, SigningKeys(keys: [Self.other]), runs: runs)(1)
        // 2: tampered: its result now names the result of 3.
        let result3 = try store.calls.load(try f.digest(3)).result!.digest.hex
        let result2 = try store.calls.load(try f.digest(2)).result!.digest.hex
        let text = try String(contentsOfFile: try path(2), encoding: .utf8).replacingOccurrences(of: result2, with: result3)
        try text.write(toFile: try path(2), atomically: true, encoding: .utf8)
        #expect(try function(directory.path, .noKeys, runs: Counter())(2) == Array(3..<103))  // a keyless reader is fooled
        // 3 stays sound, but a copy of it under another key's name is not trusted there.
        let renamed = store.calls.path(of: try f.digest(5))
        try FileManager.default.createDirectory(atPath: (renamed as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try path(3), toPath: renamed)

        let report = try StoreVerifier(store: store).run()
        let untrusted = Set(report.problems.filter { $0.kind == .untrustedManifest }.map(\.key))
        #expect(try untrusted == Set([0, 1, 2, 5].map { try f.digest($0) }))
        #expect(report.problems.contains { $0.detail.contains("signed by key \(SigningKeys.identifier(of: Self.other))") })

        let before = runs.value
        for i in [0, 1, 2, 3, 5] { #expect(try f(i) == Array(i..<(i + 100))) }
        #expect(runs.value == before + 4)  // 3 hits; 0, 1, 2 and 5 run again, and are signed now
        #expect(try StoreVerifier(store: store).run().isClean)
    }

    @Test("a list rotates: the first key signs, any key verifies")
    func rotation() throws {
        let directory = try TemporaryDirectory()
        let runs = Counter()
        _ = try function(directory.path, SigningKeys(keys: [Self.other]), runs: runs)(1)
        let rotated = SigningKeys(keys: [Self.key, Self.other])
        _ = try function(directory.path, rotated, runs: runs)(1)
        _ = try function(directory.path, rotated, runs: runs)(2)
        #expect(runs.value == 2)
        let store = try FileStore(root: directory.path)
        let f = try function(directory.path, rotated, runs: runs)
        let written = try String(contentsOfFile: store.calls.path(of: try f.digest(2)), encoding: .utf8)
        #expect(written.contains(SigningKeys.identifier(of: Self.key)))
    }

    @Test("keys come from hex, lists and $FLECHE_SECRET_KEY; bad keys are configuration errors")
    func parsing() throws {
        let a = String(repeating: "ab", count: 16), b = String(repeating: "CD", count: 20)
        #expect(try SigningKeys(hex: "\(a):\(b)", source: "x").keys.count == 2)
        #expect(try SigningKeys(hex: "\(a), \(b)", source: "x").keys[1] == [UInt8](repeating: 0xcd, count: 20))
        #expect(try SigningKeys.fromEnvironment(["FLECHE_SECRET_KEY": a]).keys == [[UInt8](repeating: 0xab, count: 16)])
        #expect(try SigningKeys.fromEnvironment([:]).isEmpty)
        expectFlecheError("invalidConfiguration") { _ = try SigningKeys(hex: "xyz", source: "x") }
        expectFlecheError("invalidConfiguration") { _ = try SigningKeys(hex: "abcd", source: "x") }
        expectFlecheError("invalidConfiguration") { _ = try SigningKeys.fromEnvironment(["FLECHE_SECRET_KEY": "abc"]) }
    }

    @Test("secret_key in fleche.toml gives a cache's store its keys")
    func configured() throws {
        let directory = try TemporaryDirectory()
        let a = String(repeating: "ab", count: 16), b = String(repeating: "cd", count: 16)
        try """
            [signed]
            template = "file"
            root = "store"
            secret_key = ["\(a)", "\(b)"]
            """.write(toFile: directory.sub("fleche.toml"), atomically: true, encoding: .utf8)
        let configuration = try FlecheConfiguration.discover(from: directory.path, environment: ["HOME": directory.path])
        let store = try #require(try configuration.cache(named: "signed").fileStore)
        #expect(store.calls.signingKeys.keys == [[UInt8](repeating: 0xab, count: 16), [UInt8](repeating: 0xcd, count: 16)])
    }
}
