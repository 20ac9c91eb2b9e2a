import Foundation
import Testing
@testable import Fleche
@testable import FlecheConfig
@testable import FlecheQuery
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

@Suite("fleche.toml")
struct ConfigurationTests {
    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A home directory with a project inside it, and an environment pointing there.
    func home() throws -> (TemporaryDirectory, [String: String]) {
        let directory = try TemporaryDirectory()
        return (directory, ["HOME": directory.path, "XDG_CONFIG_HOME": directory.sub(".config")])
    }

    @Test("a relative root resolves against the declaring file, even from a subdirectory (53)")
    func relativeRoot() throws {
        let (home, environment) = try home()
        try write("""
            [default]
            cache = "disk"

            [disk]
            template = "file"
            root = "store"
            """, to: home.sub("project/fleche.toml"))
        try FileManager.default.createDirectory(atPath: home.sub("project/src/deep"), withIntermediateDirectories: true)
        let configuration = try FlecheConfiguration.discover(from: home.sub("project/src/deep"), environment: environment)
        let cache = try #require(try configuration.defaultCache() as? Cache)
        #expect(cache.store?.root == home.sub("project/store"))
        #expect(FileManager.default.fileExists(atPath: home.sub("project/store/FORMAT")))
        let runs = Counter()
        _ = try scenarioFunction(cache, runs: runs)(1, "a")
        #expect(filesUnder(home.sub("project/store/calls")).count == 1)
    }

    @Test("remaining_depth: 0 splits every node, 2 keeps shallow containers whole, \"none\" stores one object, -1 is an error")
    func remainingDepth() throws {
        let (home, environment) = try home()
        try write("""
            [zero]
            template = "file"
            root = "zero"
            remaining_depth = 0

            [two]
            template = "file"
            root = "two"
            remaining_depth = 2

            [whole]
            template = "file"
            root = "whole"
            remaining_depth = "none"

            [bad]
            template = "file"
            root = "bad"
            remaining_depth = -1
            """, to: home.sub("fleche.toml"))
        let configuration = try FlecheConfiguration.discover(from: home.path, environment: environment)
        func depth(_ name: String) throws -> Int? { try #require(configuration.cache(named: name).fileStore).format.destructureDepth }
        #expect(try depth("zero") == 0)
        #expect(try depth("two") == 2)
        #expect(try depth("whole") == nil)
        expectFlecheError("invalidConfiguration") { _ = try configuration.cache(named: "bad") }
        // Depth 0 makes every node an object (3 containers, 3 scalars); "none" makes one.
        let nested = Value.array([.array([.int(1), .int(2)]), .array([.int(3)])])
        let zero = try #require(configuration.cache(named: "zero").fileStore)
        let whole = try #require(configuration.cache(named: "whole").fileStore)
        try zero.objects.save(nested, key: nested.digest(using: zero.format.algorithm))
        try whole.objects.save(nested, key: nested.digest(using: whole.format.algorithm))
        #expect(try zero.objects.keys().count == 6)
        #expect(try whole.objects.keys().count == 1)
    }

    @Test("a closer file's table replaces the farther one's whole; root = true stops the walk (54)")
    func merging() throws {
        let (home, environment) = try home()
        try write("""
            [disk]
            template = "file"
            root = "far"
            max_size = 3

            [other]
            template = "memory"
            """, to: home.sub("fleche.toml"))
        try write("""
            [disk]
            template = "file"
            root = "near"
            """, to: home.sub("a/fleche.toml"))
        let configuration = try FlecheConfiguration.discover(from: home.sub("a"), environment: environment)
        #expect(configuration.files == [home.sub("a/fleche.toml"), home.sub("fleche.toml")])
        let disk = try configuration.cache(named: "disk")
        #expect((disk as? Cache)?.store?.root == home.sub("a/near"))  // not size-limited: the far table is gone whole
        #expect(configuration.cacheNames == ["disk", "other"])

        try write("""
            [default]
            root = true
            """, to: home.sub("a/b/fleche.toml"))
        let rooted = try FlecheConfiguration.discover(from: home.sub("a/b"), environment: environment)
        #expect(rooted.files == [home.sub("a/b/fleche.toml")])
        expectFlecheError("invalidConfiguration") { _ = try rooted.cache(named: "disk") }
    }

    @Test("max_size, read_only, [[stack]], pool, interning, and clear errors for unknown names and templates (55)")
    func kinds() throws {
        let (home, environment) = try home()
        try write("""
            [small]
            template = "memory"
            max_size = 2
            eviction = "lru"

            [frozen]
            template = "file"
            root = "frozen"
            read_only = true

            [[stk]]
            cache = "small"
            [[stk]]
            template = "file"
            root = "shared"

            [both]
            pool = ["small", "frozen"]

            [bad]
            template = "pickle"
            root = "x"

            [typo]
            template = "memory"
            max_sise = 3
            """, to: home.sub("fleche.toml"))
        let configuration = try FlecheConfiguration.discover(from: home.path, environment: environment)
        let small = try #require(try configuration.cache(named: "small") as? SizeLimitedCache)
        #expect(small.maxSize == 2 && small.policy is LeastRecentlyUsedEviction)
        #expect(try configuration.cache(named: "frozen") is ReadOnlyCache)
        let stack = try #require(try configuration.cache(named: "stk") as? CacheStack)
        #expect(stack.layers.count == 2 && stack.layers[0] === small)
        #expect((stack.layers[1] as? Cache)?.store?.root == home.sub("shared"))
        #expect(try configuration.cache(named: "both") is CachePool)
        #expect(try configuration.cache(named: "small") === small)
        #expect(try configuration.cache(named: "memory") === configuration.cache(named: "memory"))
        #expect(try configuration.cache(named: "void") is VoidCache)
        for (name, fragment) in [("bad", "unknown template 'pickle'"), ("typo", "unknown setting 'max_sise'"),
                                 ("nowhere", "no cache named 'nowhere'")] {
            do {
                _ = try configuration.cache(named: name)
                Issue.record("cache \(name) should not build")
            } catch let error as FlecheError {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
    }

    @Test("[default] metadata chooses the collectors; an unknown one is an error (56)")
    func metadata() throws {
        let (home, environment) = try home()
        try write("""
            [default]
            metadata = ["Runtime", "Environment"]
            """, to: home.sub("fleche.toml"))
        let collectors = try FlecheConfiguration.discover(from: home.path, environment: environment).metadataCollectors()
        #expect(collectors.map(\.name) == ["runtime", "environment"])
        let cache = Cache.memory()
        let f = memoize("f", arguments: ["x"], metadata: collectors, cache: cache) { (x: Int) in x }
        _ = try f(1)
        #expect(try Set(cache.query().only().metadata.keys) == ["runtime", "environment"])

        try write("""
            [default]
            metadata = ["Runtime", "Astrology"]
            """, to: home.sub("fleche.toml"))
        #expect(throws: FlecheError.self) {
            try FlecheConfiguration.discover(from: home.path, environment: environment).metadataCollectors()
        }
    }

    @Test("malformed TOML is an error naming the file and line; the global file comes last")
    func malformedAndGlobal() throws {
        let (home, environment) = try home()
        try write("""
            [global]
            template = "memory"
            """, to: home.sub(".config/fleche/cache.toml"))
        try write("[disk\ntemplate = 1\n", to: home.sub("p/fleche.toml"))
        do {
            _ = try FlecheConfiguration.discover(from: home.sub("p"), environment: environment)
            Issue.record("malformed TOML should not load")
        } catch FlecheError.invalidConfiguration(let path, let reason) {
            #expect(path == home.sub("p/fleche.toml") && reason.contains("line 1"))
        }
        try write("[local]\ntemplate = \"memory\"\n", to: home.sub("p/fleche.toml"))
        let configuration = try FlecheConfiguration.discover(from: home.sub("p"), environment: environment)
        #expect(configuration.files.last == home.sub(".config/fleche/cache.toml"))
        #expect(configuration.cacheNames == ["global", "local"])
    }

    @Test("the README's fleche.toml builds what the README says")
    func readmeExample() throws {
        let readme = URL(fileURLWithPath: packageDirectory).appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "```toml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let (home, environment) = try home()
        let shared = home.sub("team")
        try write(text[start.upperBound..<end.lowerBound].replacingOccurrences(of: "/mnt/team/fleche", with: shared),
                  to: home.sub("project/fleche.toml"))
        let configuration = try FlecheConfiguration.discover(from: home.sub("project"), environment: environment)
        let stack = try #require(try configuration.defaultCache() as? CacheStack)
        #expect(stack === (try configuration.cache(named: "work")))
        let local = try #require(stack.layers[0] as? SizeLimitedCache)
        #expect(local.maxSize == 10_000 && local.policy is RandomEviction)
        #expect(((local.base as? Cache)?.store?.root) == home.sub("project/.fleche"))
        #expect(local.fileStore?.format.destructureDepth == 1)
        #expect(local.fileStore?.budget == StoreBudget(maxSize: 20 << 30, maxAge: 30 * 86_400, trimsAutomatically: true))
        #expect(stack.layers[1] is ReadOnlyCache)
        #expect(try configuration.metadataCollectors().map(\.name) == ["runtime", "environment"])
    }
}
