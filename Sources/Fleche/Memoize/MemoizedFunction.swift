import FlecheCache
import FlecheConfig
import FlecheQuery
import FlecheStore
import FlecheValue
/// What identifies a memoized function in its keys, and how its arguments are treated.
public struct FunctionIdentity: Sendable, Hashable {
    /// The function's name in keys and listings.
    public var name: String
    /// Part of the key unless `nil`.
    public var module: String?
    /// Part of the key unless `nil`: bump it when the function's meaning changes.
    public var version: String?
    /// A user-supplied digest of the function's code, part of the key when given.
    public var codeDigest: Digest?
    /// Argument names in declaration order; `arg0`, `arg1`, … when empty.
    public var argumentNames: [String]
    /// Arguments left out of the key and the record (a verbosity flag, a logger).
    public var ignored: Set<String>
    /// Arguments that must not be `nil`; a call with one `nil` runs uncached with a warning.
    public var required: Set<String>

    /// An identity with the given key parts and argument rules.
    public init(
        name: String, module: String? = nil, version: String? = nil, codeDigest: Digest? = nil,
        argumentNames: [String] = [], ignored: Set<String> = [], required: Set<String> = []
    ) {
        self.name = name
        self.module = module
        self.version = version
        self.codeDigest = codeDigest
        self.argumentNames = argumentNames
        self.ignored = ignored
        self.required = required
    }

    /// The module part of a `#fileID` ("Module/File.swift" → "Module").
    static func module(fromFileID fileID: String) -> String {
        String(fileID.prefix { $0 != "/" })
    }
}

/// The part of memoization that does not depend on the function's types: build the call,
/// look it up, store it. ``Memoized`` and ``AsyncMemoized`` wrap it around a body.
struct MemoizationCore: Sendable {
    let identity: FunctionIdentity
    /// `Module.name`: how the store's statistics name the function.
    let qualifiedName: String
    let cache: (any BaseCache)?
    /// `nil`: the collectors of ``CacheContext/metadataCollectors()``.
    let collectors: [any MetadataCollector]?
    let keyHasher: CallKeyHasher
    /// How equal misses share one run of the body.
    let singleFlight: SingleFlight
    /// How long the body last took in this process (``SingleFlight/automatic(threshold:)``).
    let lastRun = LastRunDuration()

    init(
        identity: FunctionIdentity, cache: (any BaseCache)?, collectors: [any MetadataCollector]?,
        singleFlight: SingleFlight = .default
    ) {
        self.identity = identity
        self.qualifiedName = CallRecord.qualifiedName(identity.name, module: identity.module)
        self.cache = cache
        self.collectors = collectors
        self.keyHasher = CallKeyHasher(identity: identity)
        self.singleFlight = singleFlight
    }

    /// A call ready to be looked up and, on a miss, stored. Only the key is computed up
    /// front; the record is built on a miss (a hit never needs it).
    struct Prepared {
        let cache: any BaseCache
        let key: Digest
        let arguments: [Call.Argument]
        let argumentDigests: [Digest]

        /// The record without result and metadata, and the argument values it does not
        /// inline (by digest).
        func record(identity: FunctionIdentity) -> (CallRecord, [Digest: Value]) {
            var values: [Digest: Value] = [:]
            let references = zip(arguments, argumentDigests).map { argument, digest in
                let reference = ValueReference(argument.value, digest: digest, inlineLimit: cache.inlineLimit)
                if reference.inline == nil { values[digest] = argument.value }
                return CallRecord.Argument(name: argument.name, value: reference)
            }
            let record = CallRecord(
                name: identity.name, module: identity.module, version: identity.version,
                codeDigest: identity.codeDigest, arguments: references)
            return (record, values)
        }
    }

    func resolveCache() throws -> any BaseCache {
        if let cache { return cache }
        return try CacheContext.current()
    }

    /// Names the encoded arguments and drops ignored ones.
    func namedArguments(_ values: [Value]) throws -> [Call.Argument] {
        let names = identity.argumentNames.isEmpty ? values.indices.map { "arg\($0)" } : identity.argumentNames
        guard names.count == values.count else {
            throw FlecheError.invalidArguments(
                "\(identity.name) declares \(names.count) argument names \(names) but takes \(values.count) arguments")
        }
        return zip(names, values).filter { !identity.ignored.contains($0.0) }.map { Call.Argument(name: $0.0, value: $0.1) }
    }

    /// Digests the arguments and computes the key for `arguments` in `cache`.
    func prepare(_ arguments: [Call.Argument], cache: any BaseCache) -> Prepared {
        let digests = arguments.map { $0.value.digest(using: cache.algorithm) }
        let key = keyHasher.key(
            arguments: zip(arguments, digests).map { ($0.name, $1) }, algorithm: cache.algorithm)
        return Prepared(cache: cache, key: key, arguments: arguments, argumentDigests: digests)
    }

    /// Encodes the arguments and prepares the call, or returns `nil` (after a warning) when
    /// the call must run uncached: an argument that cannot be encoded, a required argument
    /// that is `nil`, no usable cache.
    func prepare(encode: ArgumentEncoding) throws -> Prepared? {
        // The cache first: file artifacts digest their content with its algorithm.
        let cache: any BaseCache
        do {
            cache = try resolveCache()
        } catch {
            log.warning("running \(identity.name) uncached: no usable cache", metadata: ["error": "\(error)"])
            return nil
        }
        let values: [Value]
        do {
            values = try encode(cache.algorithm)
        } catch {
            log.warning("running \(identity.name) uncached: an argument cannot be encoded", metadata: ["error": "\(error)"])
            return nil
        }
        let arguments = try namedArguments(values)
        for argument in arguments where identity.required.contains(argument.name) {
            if case .null = argument.value {
                log.warning("running \(identity.name) uncached: required argument '\(argument.name)' is nil")
                return nil
            }
        }
        return prepare(arguments, cache: cache)
    }

    /// The stored result, or `nil` on a miss. A missing manifest or result object is a miss;
    /// a stored result of another type (the function changed without a version bump) is a
    /// miss with a warning; a damaged manifest or object is a miss too (``Cache/loadResult(_:)``
    /// sets it aside); a store that cannot be read throws.
    func lookup<R: Decodable>(_ prepared: Prepared, as type: R.Type) throws -> R? {
        let value: Value
        do {
            value = try prepared.cache.loadResult(prepared.key)
        } catch let error as FlecheError where error.isMiss {
            return nil
        }
        do {
            guard value.mayHoldArtifacts else { return try ValueDecoder().decode(R.self, from: value) }
            // Artifacts in the result read their files from the cache's stores; a result
            // whose files are gone is a miss that stores them again.
            let content = ArtifactContent(prepared.cache.artifactStorages)
            let result = try ArtifactContent.$current.withValue(content) { try ValueDecoder().decode(R.self, from: value) }
            let missing = content.missing
            guard missing.isEmpty else {
                log.warning(
                    "stored result of \(identity.name) refers to files the store no longer holds; recomputing",
                    metadata: ["key": "\(prepared.key.hex)", "missing": "\(missing.map(\.hex))"])
                return nil
            }
            return result
        } catch {
            log.warning(
                "stored result of \(identity.name) does not decode as \(R.self); recomputing (bump the version when a result type changes)",
                metadata: ["key": "\(prepared.key.hex)", "error": "\(error)"])
            return nil
        }
    }

    /// Starts the collectors; the closure it returns finishes them once the body returned.
    func beginMetadata() throws -> @Sendable () -> Metadata {
        let finishers = try CacheContext.metadataCollectors(own: collectors).map { ($0.name, $0.begin()) }
        return {
            var metadata: Metadata = [:]
            // Two collectors of one name (tags of nested blocks) merge; the later wins a field.
            for (name, finish) in finishers { metadata[name, default: [:]].merge(finish()) { $1 } }
            return metadata
        }
    }

    /// Stores the result. Failure to store never loses the result: it is logged and the
    /// caller returns the result anyway.
    func store<R: Encodable>(_ prepared: Prepared, result: R, metadata: Metadata) {
        do {
            // Encoding stores the files of artifacts in the result (one read each) as file
            // bodies of the store the call is saved in; a result with files is never inline,
            // so that its object's header lists them for gc and transfers (the save refreshes
            // them under the store's write lock, so a concurrent gc keeps them).
            let files = prepared.cache.savingStore.map { ResultFiles($0.objects) }
            let value = try ResultFiles.$collecting.withValue(files) {
                try ValueEncoder(contentAlgorithm: prepared.cache.algorithm).encode(result)
            }
            if files == nil, value.mayHoldArtifacts {
                throw FlecheError.unsupportedValue("the result holds file artifacts, which only a cache over a file store keeps")
            }
            try save(prepared, value: value, metadata: metadata, inline: files?.isEmpty ?? true)
        } catch {
            log.warning("result of \(identity.name) was not stored", metadata: ["key": "\(prepared.key.hex)", "error": "\(error)"])
        }
    }

    /// Saves a result's value with its record (inline when allowed and small).
    private func save(_ prepared: Prepared, value: Value, metadata: Metadata, inline: Bool) throws {
        var (record, values) = prepared.record(identity: identity)
        record.metadata = metadata
        // The cache names the result as it stores it: a large `Data` is hashed beside the
        // writing of its chunks.
        try prepared.cache.save(
            record, values: values, knownKey: prepared.key, result: value, inlineLimit: inline ? prepared.cache.inlineLimit : 0)
    }

    /// The key of a call, or an error if its arguments cannot be encoded.
    func key(encode: ArgumentEncoding) throws -> (Digest, any BaseCache) {
        let prepared = try inspect(encode: encode)
        return (prepared.key, prepared.cache)
    }

    /// A call prepared to be looked at, not run: an argument that cannot be encoded is an
    /// error here (the call itself would run uncached with a warning).
    func inspect(encode: ArgumentEncoding) throws -> Prepared {
        let cache = try resolveCache()
        let values: [Value]
        do {
            values = try encode(cache.algorithm)
        } catch {
            throw FlecheError.unsupportedValue("an argument of \(identity.name) cannot be encoded: \(error)")
        }
        return prepare(try namedArguments(values), cache: cache)
    }
}

extension MemoizationCore {
    /// The core of `memoize(...)`'s arguments; `module` may be a `#fileID`.
    init(
        name: String, module: String?, version: String?, codeDigest: Digest?, arguments: [String],
        ignoring: Set<String>, requiring: Set<String>, metadata: [any MetadataCollector]?, cache: (any BaseCache)?,
        singleFlight: SingleFlight
    ) {
        self.init(
            identity: FunctionIdentity(
                name: name, module: module.map(FunctionIdentity.module(fromFileID:)), version: version,
                codeDigest: codeDigest, argumentNames: arguments, ignored: ignoring, required: requiring),
            cache: cache, collectors: metadata, singleFlight: singleFlight)
    }

    /// This core over a ``RefreshingCache`` of its cache, and the context for the body: the
    /// cache in effect, refreshing too, so that memoized functions the body calls recompute
    /// (those given a cache of their own are not affected).
    func refreshing() throws -> (core: MemoizationCore, context: (any BaseCache)?) {
        let core = MemoizationCore(
            identity: identity, cache: RefreshingCache(try resolveCache()), collectors: collectors,
            singleFlight: singleFlight)
        return (core, (try? CacheContext.current()).map { RefreshingCache($0) })
    }

    /// This core with the cache and metadata collectors in effect here frozen into it.
    func bound() throws -> MemoizationCore {
        MemoizationCore(
            identity: identity, cache: try resolveCache(), collectors: try CacheContext.metadataCollectors(own: collectors),
            singleFlight: singleFlight)
    }

    /// Whether a call with these arguments is stored.
    func contains(encode: ArgumentEncoding) throws -> Bool {
        let (key, cache) = try key(encode: encode)
        return try cache.contains(key)
    }

    /// The stored result for these arguments; ``FlecheError/notFound(key:)`` if none.
    func load<R: Decodable>(encode: ArgumentEncoding, as type: R.Type) throws -> R {
        let (key, cache) = try key(encode: encode)
        return try cache.load(key).result(as: type)
    }
}

/// Encodes a call's arguments, content digests (file artifacts) under the algorithm given.
typealias ArgumentEncoding = (DigestAlgorithm) throws -> [Value]

/// Encodes a parameter pack of arguments, content digests under `algorithm`.
func encodeArguments<each A: Encodable>(_ algorithm: DigestAlgorithm, _ arguments: repeat each A) throws -> [Value] {
    let encoder = ValueEncoder(contentAlgorithm: algorithm)
    var values: [Value] = []
    for argument in repeat each arguments {
        values.append(try encoder.encode(argument))
    }
    return values
}
