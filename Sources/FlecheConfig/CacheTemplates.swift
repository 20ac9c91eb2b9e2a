import FlecheCache
import FlecheStore
import FlecheSystem
import FlecheValue

/// Cache templates that products above the library add to `fleche.toml`: `FlecheS3` adds
/// `template = "s3"` (its `S3Store.registerConfigurationTemplate()`, which the `fleche`
/// command calls). A template a file names but no product registered is an error saying
/// which product to link.
public enum CacheTemplates {
    /// What a template's builder is given: the table's settings and where they were read.
    public struct Settings: Sendable {
        /// The cache's name in the file.
        public let name: String
        /// The table (its keys are the built-in ones and the template's own).
        public let table: JSON
        /// The file it was read from.
        public let path: String
        /// The digest algorithm the table asks for (`digest = "…"`), if any.
        public let algorithm: DigestAlgorithm?

        /// The string setting `key`, or `nil` when absent.
        /// - Throws: `FlecheError.invalidConfiguration` when it is present but not a string.
        public func string(_ key: String) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let text = value.stringValue else { throw failure("\(key) must be a string") }
            return text
        }

        /// The true-or-false setting `key`, or `nil` when absent.
        /// - Throws: `FlecheError.invalidConfiguration` when it is present but not a boolean.
        public func bool(_ key: String) throws -> Bool? {
            switch table[key] {
            case nil: return nil
            case .bool(let value)?: return value
            default: throw failure("\(key) must be true or false")
            }
        }

        /// The table's `budget = { max_size = "50G", max_age = "30d" }`, or `nil` when absent.
        /// - Throws: `FlecheError.invalidConfiguration` for a malformed budget.
        public func budget() throws -> StoreBudget? {
            try StoreBudget(setting: table["budget"], fail: failure)
        }

        /// The error that names this file and cache with `reason`.
        public func failure(_ reason: String) -> FlecheError {
            .invalidConfiguration(path: path, reason: "cache '\(name)': \(reason)")
        }
    }

    /// Builds a cache from a template's settings.
    public typealias Builder = @Sendable (Settings) throws -> any BaseCache

    struct Template: Sendable {
        let keys: Set<String>
        let build: Builder
    }

    private static let registered = Locked<[String: Template]>([:])

    /// Makes `template = "name"` mean `build`, with `keys` the settings it reads beyond the
    /// built-in ones (`digest`, `max_size`, `read_only`, …). Registering a name again
    /// replaces it; `file`, `memory` and `void` cannot be replaced.
    public static func register(_ name: String, keys: Set<String>, build: @escaping Builder) {
        guard !builtIn.contains(name) else { return }
        registered.withLock { $0[name] = Template(keys: keys, build: build) }
    }

    /// The templates every build knows.
    static let builtIn: Set<String> = ["file", "memory", "void"]

    /// Templates a product registers, and the product that does: named in the error when a
    /// file uses one that is not registered.
    static let knownProducts = ["s3": "FlecheS3 (call S3Store.registerConfigurationTemplate() once; the fleche command does)"]

    static func template(_ name: String) -> Template? { registered.withLock { $0[name] } }

    /// The names of the templates this process knows, sorted.
    static var names: [String] { (builtIn.union(registered.withLock { Set($0.keys) })).sorted() }
}
