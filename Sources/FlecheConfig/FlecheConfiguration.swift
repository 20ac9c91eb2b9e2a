import FlecheCache
import FlecheQuery
import FlecheStore
import FlecheValue
import Foundation
import FlecheSystem

/// Named caches and defaults from `fleche.toml` files.
///
/// ```toml
/// [default]
/// cache = "local"                       # the cache memoized functions use by default
/// metadata = ["Runtime", "Environment"] # the default metadata collectors
///
/// [local]
/// template = "file"                     # a file store; also "memory", "void", and "s3" with FlecheS3
/// root = "store"                        # relative to this file's directory; ~ expands
/// max_size = 1000                       # keep at most 1000 calls (eviction = "random" | "lru")
///
/// [shared]
/// template = "file"
/// root = "/mnt/team/fleche"
/// read_only = true
///
/// [[layered]]                           # an array of tables is a stack, front first
/// cache = "local"
/// [[layered]]
/// cache = "shared"
///
/// [everything]
/// pool = ["local", "shared"]            # a read-only union
/// ```
///
/// Files are found by ``discover(from:environment:)``; a closer file's top-level table
/// replaces a farther file's table of the same name whole. Caches are built on first use
/// and the same name always gives the same instance. Every mistake (malformed TOML, an
/// unknown name, template or key) is `FlecheError/invalidConfiguration(path:reason:)`.
public final class FlecheConfiguration: Sendable {
    /// The files read, closest first.
    public let files: [String]
    private let sections: [String: Section]
    private let built = Locked<[String: any BaseCache]>([:])

    struct Section: Sendable {
        let value: JSON
        let file: ConfigurationFile
    }

    /// Reads `files`, closest first; a file whose `[default]` sets `root = true` is the
    /// last one read.
    public convenience init(files: [String]) throws {
        var parsed: [ConfigurationFile] = []
        for path in files {
            let file = try ConfigurationFile(path: path)
            parsed.append(file)
            if file.isRoot { break }
        }
        self.init(parsed)
    }

    /// The configuration of one file's text, as if it were read from `path` (relative roots
    /// resolve against its folder).
    package convenience init(text: String, path: String) throws {
        self.init([try ConfigurationFile(text: text, path: path)])
    }

    private init(_ files: [ConfigurationFile]) {
        var sections: [String: Section] = [:]
        for file in files {
            for (name, value) in file.tables where sections[name] == nil {
                sections[name] = Section(value: value, file: file)
            }
        }
        self.files = files.map(\.path)
        self.sections = sections
    }

    /// The configuration in effect in `directory` (default: the working directory): every
    /// `fleche.toml` from there up to `$HOME` or `/`, then `$XDG_CONFIG_HOME/fleche/cache.toml`.
    public static func discover(
        from directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> FlecheConfiguration {
        let start = directory ?? FileManager.default.currentDirectoryPath
        return try FlecheConfiguration(files: ConfigurationFile.candidates(from: start, environment: environment))
    }

    /// The names of the caches the files define (besides `memory`, `void` and `default`).
    public var cacheNames: [String] { sections.keys.filter { $0 != "default" }.sorted() }

    /// The `template` of the table that defines the cache `name` (`"file"`, `"s3"`, …), or
    /// `nil` for a stack, a pool, a reference to another cache or a name no file defines.
    /// Reading it builds nothing (no store is opened, no request is made).
    public func template(ofCache name: String) -> String? {
        sections[name]?.value["template"]?.stringValue
    }

    /// The cache called `name`: one the files define, `memory` (a fresh in-memory cache),
    /// `void` (keeps nothing) or `default` (``defaultCache()``, else the default store).
    public func cache(named name: String) throws -> any BaseCache {
        try cache(named: name, visiting: [])
    }

    /// The cache `[default] cache` names (or describes inline), if any.
    public func defaultCache() throws -> (any BaseCache)? {
        guard let section = sections["default"], let spec = section.value["cache"] else { return nil }
        if let name = spec.stringValue { return try cache(named: name) }
        return try intern("default") { try build(spec, name: "default", in: section.file, visiting: ["default"]) }
    }

    /// The collectors `[default] metadata` names (`Runtime`, `Environment`, `Git`, any
    /// case), or the runtime collector alone.
    public func metadataCollectors() throws -> [any MetadataCollector] {
        guard let section = sections["default"], let spec = section.value["metadata"] else { return [RuntimeCollector()] }
        guard let names = spec.arrayValue?.compactMap(\.stringValue), names.count == spec.arrayValue?.count else {
            throw FlecheError.invalidConfiguration(path: section.file.path, reason: "[default] metadata must be a list of collector names")
        }
        return try names.map { name in
            switch name.lowercased() {
            case "runtime": RuntimeCollector()
            case "environment": EnvironmentCollector()
            case "git": GitCollector()
            default:
                throw FlecheError.invalidConfiguration(
                    path: section.file.path,
                    reason: "unknown metadata collector '\(name)' in [default] metadata; known: Runtime, Environment, Git")
            }
        }
    }

    // MARK: Building caches

    private func cache(named name: String, visiting: Set<String>) throws -> any BaseCache {
        switch name {
        case "memory" where sections[name] == nil: return intern(name) { Cache.memory() }
        case "void" where sections[name] == nil: return intern(name) { VoidCache() }
        case "default":
            if let configured = try defaultCache() { return configured }
            return try intern(name) { try Cache(root: FileStore.defaultRoot()) }
        default: break
        }
        guard let section = sections[name] else {
            let known = (cacheNames + ["memory", "void", "default"]).joined(separator: ", ")
            throw FlecheError.invalidConfiguration(
                path: files.first ?? "fleche.toml",
                reason: files.isEmpty
                    ? "no fleche.toml found, so there is no cache named '\(name)'; define [\(name)] in a fleche.toml"
                    : "no cache named '\(name)'; the caches defined are: \(known)")
        }
        guard !visiting.contains(name) else {
            throw FlecheError.invalidConfiguration(path: section.file.path, reason: "cache '\(name)' refers to itself")
        }
        return try intern(name) { try build(section.value, name: name, in: section.file, visiting: visiting.union([name])) }
    }

    /// The cache already built under `name`, or the one `make` builds (the first one built
    /// wins when two threads race).
    private func intern(_ name: String, _ make: () throws -> any BaseCache) rethrows -> any BaseCache {
        if let existing = built.withLock({ $0[name] }) { return existing }
        let made = try make()
        return built.withLock { table in
            if let existing = table[name] { return existing }
            table[name] = made
            return made
        }
    }

    private static let knownKeys: Set<String> = [
        "template", "root", "digest", "remaining_depth", "values", "calls", "pool", "cache", "type",
        "max_size", "eviction", "read_only", "secret_key", "budget",
    ]

    private func build(_ spec: JSON, name: String, in file: ConfigurationFile, visiting: Set<String>) throws -> any BaseCache {
        func fail(_ reason: String) -> FlecheError { .invalidConfiguration(path: file.path, reason: "cache '\(name)': \(reason)") }

        if let name = spec.stringValue { return try cache(named: name, visiting: visiting) }
        if let layers = spec.arrayValue {
            let caches = try layers.map { try build($0, name: name, in: file, visiting: visiting) }
            do {
                return try CacheStack(caches)
            } catch let error as FlecheError {
                throw fail("\(error)")
            }
        }
        guard let table = spec.objectValue else { throw fail("expected a table, an array of tables or a cache name") }
        // A registered template's own keys are known on its tables only.
        let own = spec["template"]?.stringValue.flatMap(CacheTemplates.template)?.keys ?? []
        let known = Self.knownKeys.union(own)
        if let unknown = table.map(\.0).first(where: { !known.contains($0) }) {
            throw fail("unknown setting '\(unknown)'; known: \(known.sorted().joined(separator: ", "))")
        }

        var cache: any BaseCache
        if let type = spec["type"]?.stringValue {
            throw fail("type '\(type)' is not supported; use template = \"s3\" (the FlecheS3 product) for object storage, or template = \"file\" over a shared directory")
        } else if let reference = spec["cache"] {
            guard let other = reference.stringValue else { throw fail("'cache' must name another cache") }
            cache = try self.cache(named: other, visiting: visiting)
        } else if let members = spec["pool"] {
            guard let list = members.arrayValue, !list.isEmpty else { throw fail("'pool' must be a non-empty list of caches") }
            cache = try CachePool(list.map { try build($0, name: name, in: file, visiting: visiting) })
        } else if let template = spec["template"] {
            cache = try buildTemplate(template.stringValue ?? "", name: name, spec: spec, file: file, fail: fail)
        } else if let values = spec["values"], let calls = spec["calls"] {
            cache = try Cache(
                values: storage(values, file: file, fail: fail).objects,
                calls: storage(calls, file: file, fail: fail).calls)
        } else {
            throw fail("say what it is: template = \"file\" with a root, values and calls tables, a pool, or [[\(name)]] layers")
        }

        if let limit = spec["max_size"] {
            guard let size = limit.int64Value, size >= 1 else { throw fail("max_size must be a whole number of at least 1") }
            let policy: any EvictionPolicy
            switch spec["eviction"]?.stringValue ?? "random" {
            case "random": policy = RandomEviction()
            case "lru": policy = LeastRecentlyUsedEviction()
            case let other: throw fail("unknown eviction '\(other)'; known: random, lru")
            }
            cache = try SizeLimitedCache(cache, maxSize: Int(size), policy: policy)
        }
        switch spec["read_only"] {
        case nil, .bool(false)?: break
        case .bool(true)?: cache = ReadOnlyCache(cache)
        default: throw fail("read_only must be true or false")
        }
        return cache
    }

    private func buildTemplate(
        _ template: String, name: String, spec: JSON, file: ConfigurationFile, fail: (String) -> FlecheError
    ) throws -> any BaseCache {
        let algorithm = try digest(spec, fail: fail)
        switch template {
        case "file": return Cache(store: try fileStore(spec, file: file, algorithm: algorithm, fail: fail))
        case "memory": return Cache.memory(algorithm: algorithm ?? .sha256)
        case "void": return VoidCache(algorithm: algorithm ?? .sha256)
        default:
            if let registered = CacheTemplates.template(template) {
                return try registered.build(CacheTemplates.Settings(name: name, table: spec, path: file.path, algorithm: algorithm))
            }
            if let product = CacheTemplates.knownProducts[template] {
                throw fail("template '\(template)' needs the product \(product)")
            }
            throw fail("unknown template '\(template)'; known: \(CacheTemplates.names.joined(separator: ", "))")
        }
    }

    /// A `values` or `calls` sub-table: `type = "file"` with a root, or `type = "memory"`.
    private func storage(
        _ spec: JSON, file: ConfigurationFile, fail: (String) -> FlecheError
    ) throws -> (objects: any ValueStorage, calls: any CallStorage) {
        let algorithm = try digest(spec, fail: fail)
        switch spec["type"]?.stringValue {
        case "file":
            let store = try fileStore(spec, file: file, algorithm: algorithm, fail: fail)
            return (store.objects, store.calls)
        case "memory":
            return (MemoryValueStorage(algorithm: algorithm ?? .sha256), MemoryCallStorage(algorithm: algorithm ?? .sha256))
        case let other:
            throw fail("values and calls tables need type = \"file\" (with a root) or \"memory\", not \(other ?? "nothing")")
        }
    }

    private func digest(_ spec: JSON, fail: (String) -> FlecheError) throws -> DigestAlgorithm? {
        guard let name = spec["digest"] else { return nil }
        guard let text = name.stringValue, let algorithm = DigestAlgorithm(rawValue: text) else {
            throw fail("unknown digest \(name.serialized()); known: \(DigestAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return algorithm
    }

    private func fileStore(
        _ spec: JSON, file: ConfigurationFile, algorithm: DigestAlgorithm?, fail: (String) -> FlecheError
    ) throws -> FileStore {
        guard let root = spec["root"]?.stringValue else { throw fail("a file store needs root = \"DIRECTORY\"") }
        var path = (root as NSString).expandingTildeInPath
        if !path.hasPrefix("/") { path = file.directory + "/" + path }
        var depth: Int? = 1
        // 0 splits every node into its own object, as in the API and docs/FORMAT.md;
        // "none" stores every value as one object.
        switch spec["remaining_depth"] {
        case nil: break
        case .string("none")?: depth = nil
        case let setting?:
            guard let value = setting.int64Value, value >= 0, value <= Int64(ValueCodec.maximumDepth) else {
                throw fail("remaining_depth must be a whole number ≥ 0, or \"none\" to store each value as one object")
            }
            depth = Int(value)
        }
        // `secret_key`: hex, a list of hex keys, or hex keys joined by ':' (the first signs);
        // without it, `$FLECHE_SECRET_KEY`.
        var keys: SigningKeys?
        switch spec["secret_key"] {
        case nil: break
        case .string(let text)?:
            keys = try SigningKeys(hex: text, source: file.path)
        case .array(let items)?:
            let texts = items.compactMap(\.stringValue)
            guard texts.count == items.count, !texts.isEmpty else { throw fail("secret_key is hex text or a list of hex texts") }
            keys = try SigningKeys(hex: texts, source: file.path)
        default: throw fail("secret_key is hex text or a list of hex texts")
        }
        return try FileStore(
            root: path, algorithm: algorithm, destructureDepth: depth, signingKeys: keys, budget: try StoreBudget(setting: spec["budget"], fail: fail))
    }
}
