import FlecheCache
import FlecheConfig
import FlecheStore
import FlecheValue
import Foundation

/// Where a program finds the cache it works on: the one rule the `fleche` commands and
/// library users share.
public enum CacheLocation: Sendable, Hashable {
    /// What memoized functions use by default: the store at `$FLECHE_STORE` when set, else
    /// the cache `[default] cache` names in `fleche.toml`, else the store at
    /// `FileStore/defaultRoot(environment:)`.
    case automatic
    /// The file store in this directory.
    case store(String)
    /// The cache `fleche.toml` gives this name (or `memory`, `void`, `default`).
    case named(String)

    /// A store directory or a cache name, told apart as a user types them: text that looks
    /// like a path (has a `/`, or starts with `.` or `~`) is a directory; a name that
    /// `fleche.toml` knows (or `memory`, `void`, `default`) is that cache; anything else is a
    /// directory.
    public static func parse(_ text: String) throws -> CacheLocation {
        let looksLikePath = text.contains("/") || text.hasPrefix(".") || text.hasPrefix("~")
        if looksLikePath { return .store(text) }
        let configuration = try CacheContext.configuration()
        if configuration.cacheNames.contains(text) || ["memory", "void", "default"].contains(text) { return .named(text) }
        return .store(text)
    }

    /// `--store DIR` or `--cache NAME` as a command line gives them (at most one), else
    /// ``automatic``.
    /// - Throws: `FlecheError/invalidArguments(_:)` when both are given.
    public init(store: String?, cacheName: String?) throws {
        switch (store, cacheName) {
        case (let store?, nil): self = .store(store)
        case (nil, let name?): self = .named(name)
        case (nil, nil): self = .automatic
        case (_?, _?): throw FlecheError.invalidArguments("give a store directory or a cache name, not both")
        }
    }

    /// Opens the cache here.
    ///
    /// - Parameter create: whether a missing store directory is created; without it, a
    ///   directory that holds no store is `FlecheError/unknownFormat(path:reason:)`, so a
    ///   typo never makes an empty store.
    /// - Throws: `FlecheError/invalidConfiguration(path:reason:)` for an unknown name or a
    ///   bad `fleche.toml`; `FlecheError/unknownFormat(path:reason:)` as above.
    public func open(create: Bool = false) throws -> any BaseCache {
        switch self {
        case .store(let path):
            do {
                return Cache(store: try FileStore(root: path, create: create))
            } catch FlecheError.unknownFormat(let root, let reason) where !create && !path.contains("/") {
                // A bare word may have been meant as a cache name: say which names there are.
                let names = (try? CacheContext.configuration().cacheNames) ?? []
                throw FlecheError.unknownFormat(
                    path: root, reason: "\(reason); '\(path)' is not a cache of fleche.toml either (caches: "
                        + (names.isEmpty ? "none" : names.joined(separator: ", ")) + ")")
            }
        case .named(let name):
            return try CacheContext.configuration().cache(named: name)
        case .automatic:
            let environment = ProcessInfo.processInfo.environment
            if let store = environment["FLECHE_STORE"], !store.isEmpty {
                return Cache(store: try FileStore(root: store, create: create))
            }
            if let configured = try CacheContext.configuration().defaultCache() { return configured }
            return Cache(store: try FileStore(root: FileStore.defaultRoot(environment: environment), create: create))
        }
    }

    /// Opens the one file store here, for the operations that work on a store's files (gc,
    /// verify, statistics).
    /// - Throws: `FlecheError/invalidArguments(_:)` when the cache is not backed by exactly
    ///   one file store (a memory cache, a stack, a pool).
    public func openFileStore(create: Bool = false) throws -> FileStore {
        guard let store = try open(create: create).fileStore else {
            throw FlecheError.invalidArguments(
                "\(self) is not a single file store; this works on one store: name a store directory or one layer's cache")
        }
        return store
    }

    /// The directory of the one file store here, which need not exist yet (`fleche pull`
    /// creates it): a store directory as given, `$FLECHE_STORE` or the default directory;
    /// a cache of `fleche.toml` is opened for its store's directory.
    /// - Throws: as ``openFileStore(create:)`` for a cache of `fleche.toml`.
    public func storeRoot() throws -> String {
        switch self {
        case .store(let path): return FileStore.absolute(path)
        case .named: return try openFileStore(create: true).root
        case .automatic:
            let environment = ProcessInfo.processInfo.environment
            if let store = environment["FLECHE_STORE"], !store.isEmpty { return FileStore.absolute(store) }
            if try CacheContext.configuration().defaultCache() != nil { return try openFileStore(create: true).root }
            return FileStore.defaultRoot(environment: environment)
        }
    }
}

extension CacheLocation: CustomStringConvertible {
    /// The location as messages name it: "the default cache", "store PATH", "cache 'NAME'".
    public var description: String {
        switch self {
        case .automatic: "the default cache"
        case .store(let path): "store \(path)"
        case .named(let name): "cache '\(name)'"
        }
    }
}
