import Foundation
import Testing
@testable import Fleche

@Suite("fleche command line")
struct CLITests {
    /// A store with 300 calls (enough for 4-character prefixes to collide).
    func populatedStore() throws -> (TemporaryDirectory, Cache) {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let f = memoize("f", module: "Demo", version: "2", arguments: ["i"], cache: cache) { (i: Int) -> [Double] in
            Array(repeating: Double(i), count: 40)
        }
        for i in 0..<300 { _ = try f(i) }
        return (directory, cache)
    }

    func fleche(_ arguments: String...) throws -> ProcessResult {
        try run(try builtProduct("fleche"), arguments)
    }

    @Test("ls, show, cat, query, expand, shrink, stats and evict work on a store")
    func commands() throws {
        let (directory, cache) = try populatedStore()
        let store = ["--store", directory.path]
        let key = try cache.query().calls().first { (try? $0.argument("i", as: Int.self)) == 7 }!.key
        let short = try cache.shrink(key)

        let ls = try run(try builtProduct("fleche"), ["ls"] + store)
        #expect(ls.status == 0)
        #expect(ls.stdout.split(separator: "\n").count == 301)
        #expect(ls.stdout.hasPrefix("KEY"))
        let lsJSON = try JSON.parse(try run(try builtProduct("fleche"), ["ls", "--json"] + store).stdout)
        #expect(lsJSON.arrayValue?.count == 300)

        let show = try run(try builtProduct("fleche"), ["show", short] + store)
        #expect(show.status == 0)
        #expect(show.stdout.contains("name     f") && show.stdout.contains("i = 7"))

        let cat = try run(try builtProduct("fleche"), ["cat", short] + store)
        #expect(try JSON.parse(cat.stdout) == .array(Array(repeating: .double(7), count: 40)))

        let query = try run(try builtProduct("fleche"), ["query", "--name", "f", "--arg", "i=7", "--json"] + store)
        #expect(try JSON.parse(query.stdout).arrayValue?.first?["key"] == .string(key.hex))

        #expect(try run(try builtProduct("fleche"), ["expand", short] + store).stdout == key.hex + "\n")
        #expect(try run(try builtProduct("fleche"), ["shrink", key.hex] + store).stdout == short + "\n")

        let stats = try JSON.parse(try run(try builtProduct("fleche"), ["stats", "--json"] + store).stdout)
        #expect(stats["calls"] == .int(300))
        #expect(stats["objects"] == .int(300))

        #expect(try run(try builtProduct("fleche"), ["evict", short] + store).status == 0)
        #expect(try !cache.contains(key))
    }

    @Test("after the README's demo run twice, fleche stats shows one miss and one hit; --zero resets them")
    func statsAfterDemo() throws {
        let directory = try TemporaryDirectory()
        let environment = ["FLECHE_STORE": directory.sub("store")]
        for _ in 0..<2 { #expect(try run(try builtProduct("FlecheDemo"), [], environment: environment).status == 0) }
        let stats = try run(try builtProduct("fleche"), ["stats"], environment: environment)
        #expect(stats.status == 0, "\(stats.stderr)")
        let lines = stats.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("hits 1 (50.0%)") && lines.contains("misses 1") && lines.contains("stores 1"), "\(stats.stdout)")
        #expect(lines.contains { $0.hasPrefix("FlecheDemo.collatz 1 ") && $0.hasSuffix(" 1 1 50.0%") }, "\(stats.stdout)")
        let json = try JSON.parse(try run(try builtProduct("fleche"), ["stats", "--json"], environment: environment).stdout)
        #expect(json["usage"]?["total"]?["hits"] == .int(1))
        #expect(json["largest_functions"]?.arrayValue?.first?["function"] == .string("FlecheDemo.collatz"))
        #expect(try run(try builtProduct("fleche"), ["stats", "--zero"], environment: environment).status == 0)
        let zeroed = try JSON.parse(try run(try builtProduct("fleche"), ["stats", "--json"], environment: environment).stdout)
        #expect(zeroed["usage"]?["total"]?["hits"] == .int(0) && zeroed["usage"]?["total"]?["misses"] == .int(0))
    }

    @Test("a valid command line with bad input exits 1 with exactly one line on stderr")
    func badInput() throws {
        let (directory, cache) = try populatedStore()
        let keys = try cache.calls.keys().map(\.hex).sorted()
        let ambiguous = zip(keys, keys.dropFirst()).first { $0.prefix(4) == $1.prefix(4) }.map { String($0.0.prefix(4)) }
        var cases: [([String], String)] = [
            (["show", "0000000000000000000000000000000000000000000000000000000000000000"], "no call or value"),
            (["show", "abc"], "too short"),
            (["show", "zzzz"], "not a key"),
            (["ls", "--store", directory.sub("missing")], "no store here"),
            (["stats", "--cache", "memory"], "not a single file store"),
            (["transfer", "nosuchcache", directory.sub("copy")], "'nosuchcache' is not a cache of fleche.toml either"),
        ]
        if let ambiguous { cases.append((["show", ambiguous], "ambiguous")) }
        for (arguments, message) in cases {
            let full = arguments.contains("--store") || arguments.contains("--cache") || arguments[0] == "transfer"
                ? arguments : arguments + ["--store", directory.path]
            let result = try run(try builtProduct("fleche"), full)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("fleche: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n", omittingEmptySubsequences: false) == [Substring(result.stderr.dropLast()), ""],
                    "\(arguments): more than one line: \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(ambiguous != nil, "300 keys should share a 4-character prefix")
    }

    @Test("a command line the parser rejects exits 64 with the usage")
    func usageErrors() throws {
        let (directory, _) = try populatedStore()
        let cases: [([String], String)] = [
            (["ls", "--no-such-flag"], "Unknown option '--no-such-flag'"),
            (["gc", "--prune", "soon"], "--prune"),
            (["init", directory.sub("new"), "--digest", "md5"], "--digest"),
            (["query", "--arg", "noequals"], "--arg"),
            (["ls", "--store", directory.path, "--cache", "x"], "not both"),
            (["show"], "Missing expected argument"),
            (["frobnicate"], "Unexpected argument"),
        ]
        for (arguments, message) in cases {
            let result = try run(try builtProduct("fleche"), arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Usage:"), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.sub("new")), "a rejected command line must not act")
    }

    @Test("completion scripts for bash, zsh and fish; paths complete as directories")
    func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try run(try builtProduct("fleche"), ["--generate-completion-script", shell])
            #expect(result.status == 0, "\(shell)")
            #expect(result.stdout.contains("gc") && result.stdout.contains("verify"), "\(shell)")
        }
        let bash = try run(try builtProduct("fleche"), ["--generate-completion-script", "bash"]).stdout
        #expect(bash.contains("--store") && bash.contains("-d"), "--store completes directories (compgen -d)")
    }

    @Test("table as text, CSV and JSON; transfer between stores; --cache names a cache of fleche.toml; redigest")
    func tableTransferAndNamedCaches() throws {
        let (directory, cache) = try populatedStore()
        let store = ["--store", directory.path]

        let text = try fleche("table", "--arg", "i", "--results", "--store", directory.path)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 301 && lines[0].hasPrefix("key") && lines[0].contains(" i"))
        let csv = try run(try builtProduct("fleche"), ["table", "--arg", "i", "--csv"] + store)
        #expect(csv.stdout.split(separator: "\n").first?.hasPrefix("key,name,module,") == true)
        #expect(csv.stdout.split(separator: "\n").count == 301)
        let json = try JSON.parse(try run(try builtProduct("fleche"), ["table", "--all-args", "--json"] + store).stdout)
        #expect(json.arrayValue?.count == 300 && json.arrayValue?.first?["i"]?.int64Value != nil)

        // transfer to a new store directory (created), then again: everything is skipped.
        let target = try TemporaryDirectory()
        let destination = target.sub("copy")
        let moved = try fleche("transfer", directory.path, destination, "--json")
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(try JSON.parse(moved.stdout)["transferred"]?.arrayValue?.count == 300)
        let again = try fleche("transfer", directory.path, destination)
        #expect(again.stdout.contains("transferred 0 calls") && again.stdout.contains("skipped 300"))
        #expect(try Cache(root: destination).query().count() == 300)

        // --cache NAME from a fleche.toml in the working directory; transfer by cache name.
        try Data("""
            [copy]
            template = "file"
            root = "copy"

            [moved]
            template = "file"
            root = "moved"
            """.utf8).write(to: URL(fileURLWithPath: target.sub("fleche.toml")))
        let named = try run(try builtProduct("fleche"), ["ls", "--cache", "copy", "--json"], in: target.path)
        #expect(try JSON.parse(named.stdout).arrayValue?.count == 300, "\(named.stderr)")
        let popped = try run(try builtProduct("fleche"), ["transfer", "copy", "moved", "--pop"], in: target.path)
        #expect(popped.status == 0 && popped.stdout.contains("evicted 300"), "\(popped.stderr)")
        #expect(try Cache(root: target.sub("moved")).query().count() == 300)
        #expect(try Cache(root: destination).query().count() == 0)
        let unknown = try run(try builtProduct("fleche"), ["ls", "--cache", "nope"], in: target.path)
        #expect(unknown.status == 1 && unknown.stderr.contains("no cache named 'nope'"))
        let stats = try run(try builtProduct("fleche"), ["stats", "--cache", "moved", "--json"], in: target.path)
        #expect(try JSON.parse(stats.stdout)["calls"] == .int(300))

        // redigest moves a record filed under a wrong name.
        let key = try cache.calls.keys()[0]
        let wrong = Digest(hex: String(repeating: "0f", count: 32))!
        try cache.calls.save(try cache.calls.load(key), key: wrong)
        try cache.calls.evict(key)
        let redigest = try fleche("redigest", "--store", directory.path)
        #expect(redigest.stdout.contains("re-keyed 1 calls"))
        #expect(try cache.contains(key) && !cache.contains(wrong))
    }
}
