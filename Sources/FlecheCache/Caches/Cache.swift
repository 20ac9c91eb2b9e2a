import FlecheStore
import FlecheValue
/// A cache over one value storage and one call storage: the building block every other
/// cache wraps.
///
/// Thread-safe: saves and evictions of one key are serialised by a per-key lock, different
/// keys proceed in parallel. Several processes may share one file store.
public final class Cache: BaseCache {
    /// The storage of value objects.
    public let values: any ValueStorage
    /// The storage of call records (manifests, for a file store).
    public let calls: any CallStorage
    public let algorithm: DigestAlgorithm
    public let inlineLimit: Int
    /// The file store behind this cache, when it has one.
    public let store: FileStore?
    private let locks = KeyedLocks()

    /// The file store this cache was opened on, if any (``store``).
    public var fileStore: FileStore? { store }

    /// Combines two storages; they must use the same digest algorithm.
    public init(values: any ValueStorage, calls: any CallStorage, inlineLimit: Int = 0) throws {
        guard values.algorithm == calls.algorithm else {
            throw FlecheError.invalidArguments(
                "value storage uses \(values.algorithm.rawValue) but call storage uses \(calls.algorithm.rawValue)")
        }
        self.values = values
        self.calls = calls
        self.algorithm = values.algorithm
        self.inlineLimit = inlineLimit
        self.store = nil
    }

    /// The cache of a file store.
    public init(store: FileStore) {
        self.values = store.objects
        self.calls = store.calls
        self.algorithm = store.format.algorithm
        self.inlineLimit = store.format.inlineLimit
        self.store = store
    }

    /// Opens (creating if needed) the file store at `root`.
    public convenience init(root: String, algorithm: DigestAlgorithm? = nil) throws {
        self.init(store: try FileStore(root: root, algorithm: algorithm))
    }

    /// A fresh in-memory cache.
    public static func memory(algorithm: DigestAlgorithm = .sha256) -> Cache {
        try! Cache(values: MemoryValueStorage(algorithm: algorithm), calls: MemoryCallStorage(algorithm: algorithm))
    }

    @discardableResult
    public func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        try save(record, values: values, knownKey: record.key(using: algorithm))
    }

    /// ``save(_:values:)`` of a record whose key the caller computed already (a memoized
    /// call's key, from the same name, module, version, code and argument digests): hashing
    /// the record again was a quarter of a miss's instructions. `result`, when given, is the
    /// record's result, not referenced yet: inline when small enough for `inlineLimit`, else
    /// stored first and named as it is stored (a large `bytes` result is hashed beside the
    /// writing of its chunks, `FileObjectStorage.save(_:)`).
    @discardableResult
    package func save(
        _ record: CallRecord, values: [Digest: Value], knownKey key: Digest, result: Value? = nil, inlineLimit: Int = 0
    ) throws -> Digest {
        assert(key == record.key(using: algorithm), "the known key of \(record.name) is not its key")
        var record = record
        var written = 0
        func writeValuesThenManifest() throws {
            // Values first, the manifest last: a reader who sees the manifest finds its values.
            var references = record.arguments.map(\.value)
            if let result {
                if ValueReference.isInline(result, limit: inlineLimit) {
                    record.result = ValueReference(digest: result.digest(using: algorithm), inline: result)
                } else if let store {
                    let (digest, bytes) = try store.objects.saveCountingBytes(result)
                    written += bytes
                    record.result = ValueReference(digest: digest)
                } else {
                    record.result = ValueReference(digest: try self.values.save(result))
                }
            } else if let reference = record.result {
                references.append(reference)
            }
            for reference in references where reference.inline == nil {
                guard let value = values[reference.digest] else {
                    if try self.values.contains(reference.digest) { continue }
                    throw FlecheError.invalidArguments("record \(key.hex) refers to value \(reference.digest.hex), which was not given")
                }
                if let store {
                    written += try store.objects.saveCountingBytes(value, key: reference.digest)
                } else {
                    try self.values.save(value, key: reference.digest)
                }
            }
            if let store {
                written += try store.calls.saveCountingBytes(record, key: key)
            } else {
                try calls.save(record, key: key)
            }
        }
        var lockWait = Duration.zero
        do {
            try locks.withLock(key) {
                if let store {
                    try store.withWriteLock { waited in
                        lockWait = waited
                        try writeValuesThenManifest()
                    }
                } else {
                    try writeValuesThenManifest()
                }
            }
        } catch {
            store?.usage.record(.error, function: record.qualifiedName)
            throw error
        }
        store?.usage.record(.store(bytes: written), function: record.qualifiedName)
        store?.saved(bytes: written, lockWait: lockWait)
        return key
    }

    public func load(_ key: Digest) throws -> LazyCall {
        LazyCall(key: key, record: try calls.load(key), cache: self)
    }

    public func loadObject(_ key: Digest) throws -> Value { try values.load(key) }

    /// The result of call `key`. A damaged manifest or object (cut short, emptied or zeroed
    /// by a power loss, failing its checksum) is a miss, so that the call is computed and
    /// stored again: a file store's damaged file is set aside in `lost+found/` first; another
    /// storage's (an S3 bucket's) is left for the new save to replace, with a warning.
    public func loadResult(_ key: Digest) throws -> Value {
        do {
            guard let reference = try calls.resultReference(key) else { throw FlecheError.notFound(key: key.hex) }
            return try reference.inline ?? values.load(reference.digest)
        } catch let error as FlecheError where error.isDamage {
            if let store {
                store.setAside(damage: error)
            } else {
                log.warning("damaged cache entry is a miss", metadata: ["key": "\(key.hex)", "error": "\(error)"])
            }
            throw FlecheError.notFound(key: key.hex)
        }
    }

    /// Loads a value object; a value that only lives inline in some manifest is found by
    /// scanning the manifests (slow, but such values are small and rarely asked for alone).
    public func loadValue(_ key: Digest) throws -> Value {
        do {
            return try values.load(key)
        } catch let error as FlecheError where error.isMiss {
            for (_, record) in try calls.records() {
                for reference in record.arguments.map(\.value) + [record.result].compactMap({ $0 })
                where reference.digest == key {
                    if let inline = reference.inline { return inline }
                }
            }
            throw error
        }
    }

    @discardableResult
    public func evict(_ key: Digest) throws -> Bool {
        try locks.withLock(key) { try calls.evict(key) }
    }

    public func contains(_ key: Digest) throws -> Bool { try calls.contains(key) }

    public func keys(withPrefix prefix: String) throws -> [Digest] {
        try calls.keys(withPrefix: prefix) + values.keys(withPrefix: prefix)
    }

    public func callKeys() throws -> [Digest] { try calls.keys() }

    public func countMatching(_ template: CallTemplate) throws -> Int {
        try calls.count(matching: template)
    }

    public func matchingCalls(_ template: CallTemplate) throws -> [LazyCall] {
        let matcher = try template.matcher(using: algorithm)
        return try calls.records().filter { matcher.matches($0.record) }.map {
            LazyCall(key: $0.key, record: $0.record, cache: self)
        }
    }
}
