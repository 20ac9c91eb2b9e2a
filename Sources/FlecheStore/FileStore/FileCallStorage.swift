import FlecheSystem
import FlecheValue
import Foundation

/// Call manifests under `<store>/calls/`, one small JSON file per lookup key.
public final class FileCallStorage: CallStorage, ShardedFileStorage {
    public let algorithm: DigestAlgorithm
    let layout: StoreLayout
    let durable: Bool
    /// The keys that sign manifests written here and must have signed manifests read here
    /// (``SigningKeys/noKeys``: neither).
    public let signingKeys: SigningKeys
    /// `calls/`, held open so that a manifest read walks two path components, not the
    /// whole store path (the kernel's path walk was a sixth of a hit, perf).
    private let directoryDescriptor: FileDescriptor?
    /// Whether a hit refreshes its manifest's mtime when older than ``useRefreshInterval``.
    let recordsUse: Bool
    /// The manifests whose times a hit looked at lately.
    private let recentUses = RecentUses()
    /// A manifest's mtime is refreshed on a hit at most this often (seconds): the last use
    /// that a budget's least-recently-used order reads, to within this much.
    static let useRefreshInterval: Double = 3600

    init(layout: StoreLayout, algorithm: DigestAlgorithm, durable: Bool, signingKeys: SigningKeys, recordsUse: Bool = true) {
        self.layout = layout
        self.algorithm = algorithm
        self.durable = durable
        self.signingKeys = signingKeys
        self.recordsUse = recordsUse
        self.directoryDescriptor = FileSystem.openDirectory(layout.callsDirectory)
    }

    deinit {
        try? directoryDescriptor?.close()
    }

    /// Reads the manifest `key` and decodes it with `decode`, or returns `nil` if there is
    /// none. Read through the open `calls/` into a stack buffer, taking a short read as the
    /// end of the file; a manifest that does not decode is read again to a confirmed end
    /// before it is called corrupt. A miss through the open `calls/` is checked by path too,
    /// in case the directory was replaced (a store deleted and created again while this
    /// process runs).
    private func decodeManifest<T>(
        _ key: Digest, checkingSignature: Bool = true, recordingUse: Bool = false,
        _ unchecked: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T? {
        try decodeManifest(key, checkingSignature: checkingSignature, recordingUse: recordingUse, measuringAllocation: false) { bytes, _ in
            try unchecked(bytes)
        }
    }

    /// Reads and decodes the manifest of `key`, or returns `nil` if there is none; with
    /// `measuringAllocation`, `unchecked` also gets the bytes the file takes on disk.
    private func decodeManifest<T>(
        _ key: Digest, checkingSignature: Bool = true, recordingUse: Bool = false, measuringAllocation: Bool,
        _ unchecked: (UnsafeRawBufferPointer, _ allocated: Int?) throws -> T
    ) throws -> T? {
        var useCutoff: Double?
        let now = recordingUse && recordsUse ? Date().timeIntervalSince1970 : 0
        if recordingUse && recordsUse, recentUses.needsLook(key, now: now) { useCutoff = now - Self.useRefreshInterval }
        let decode = signingKeys.isEmpty || !checkingSignature ? unchecked : { bytes, allocated in
            try self.checkSignature(bytes, key: key)
            return try unchecked(bytes, allocated)
        }
        func corrupt(_ invalid: CallManifest.Invalid) -> FlecheError {
            .corruptManifest(key: key, path: path(of: key), reason: invalid.reason)
        }
        if let directoryDescriptor {
            let found = try StoreLayout.withShardedName(key) { name -> Result<T, any Error>? in
                func attempt(confirmEnd: Bool) throws -> Result<T, any Error>? {
                    try fenced { () throws(SystemCallError) in
                        try FileSystem.withSmallFile(
                            name, relativeTo: directoryDescriptor, confirmEnd: confirmEnd,
                            refreshingTimesOlderThan: useCutoff, measuringAllocation: measuringAllocation,
                            describedAs: self.path(of: key)
                        ) { bytes, allocated in Result { try decode(bytes, allocated) } }
                    }
                }
                let first = try attempt(confirmEnd: false)
                guard case .failure(let error)? = first, error is CallManifest.Invalid else { return first }
                return try attempt(confirmEnd: true)
            }
            if found != nil, useCutoff != nil { recentUses.record(key, now: now) }
            switch found {
            case .success(let value)?: return value
            case .failure(let invalid as CallManifest.Invalid)?: throw corrupt(invalid)
            case .failure(let error)?: throw error
            case nil: break
            }
        }
        guard let bytes = try fenced({ try FileSystem.readFile(path(of: key)) }) else { return nil }
        let allocated = measuringAllocation ? FileSystem.status(path(of: key))?.allocated : nil
        do {
            return try bytes.withUnsafeBytes { try decode($0, allocated) }
        } catch let invalid as CallManifest.Invalid {
            throw corrupt(invalid)
        }
    }

    /// Throws ``FlecheError/untrustedManifest(key:path:reason:)`` (a miss, with a warning
    /// naming the key) unless one of this store's keys signed `bytes` as the manifest `key`.
    private func checkSignature(_ bytes: UnsafeRawBufferPointer, key: Digest) throws {
        let reason: String
        switch ManifestSignature.check(bytes, key: key, keys: signingKeys) {
        case .trusted: return
        case .unsigned: reason = "it is not signed"
        case .unknownKey(let identifier): reason = "it is signed by key \(identifier), which this store does not have"
        case .mismatch(let identifier): reason = "its bytes or its name changed after key \(identifier) signed it"
        }
        log.warning("untrusted call manifest is a miss", metadata: ["key": "\(key.hex)", "reason": "\(reason)"])
        throw FlecheError.untrustedManifest(key: key, path: path(of: key), reason: reason)
    }

    /// The path of the manifest for `key`.
    public func path(of key: Digest) -> String { layout.callPath(key) }

    /// Removes the manifest of `key`; returns whether it existed. Through the open `calls/`,
    /// as a hit reads (two path components instead of the store's whole path: 7.9 → 7.4 µs an
    /// eviction on tmpfs), then by path when that finds none, for a store deleted and created
    /// again under this process.
    /// - Throws: `FlecheError.io` when the manifest exists but cannot be removed.
    @discardableResult
    public func evict(_ key: Digest) throws -> Bool {
        if let directoryDescriptor {
            let removed = try StoreLayout.withShardedName(key) { name in
                try fenced { () throws(SystemCallError) in
                    try FileSystem.removeFile(name, relativeTo: directoryDescriptor, describedAs: self.path(of: key))
                }
            }
            if removed { return true }
        }
        return try fenced { try FileSystem.removeFile(path(of: key)) }
    }

    var directory: String { layout.callsDirectory }

    /// Writes the manifest with one atomic rename, replacing any earlier record of the key
    /// (there is no window in which the key is missing), signed by the first of
    /// ``signingKeys`` if there are any.
    public func save(_ record: CallRecord, key: Digest) throws {
        try saveCountingBytes(record, key: key)
    }

    /// Saves `record` as ``save(_:key:)`` does and returns the manifest's size.
    @discardableResult
    package func saveCountingBytes(_ record: CallRecord, key: Digest) throws -> Int {
        let bytes = CallManifest.encode(record)
        let signed = signingKeys.isEmpty ? bytes : ManifestSignature.sign(bytes, key: key, keys: signingKeys)
        try layout.writeAtomically(signed, to: path(of: key), durable: durable)
        return signed.count
    }

    /// Reads only the result member of the manifest: what a memoized call needs on a hit.
    /// A hit is a use: a manifest whose mtime is more than an hour old gets the current time
    /// (``FileStore/init(root:create:algorithm:compressionLevel:inlineLimit:destructureDepth:durable:signingKeys:budget:recordsUse:)``'s
    /// `recordsUse`): one `fstat` of the open file per call per half hour in a process
    /// (`RecentUses`), one `futimens` per call per hour.
    public func resultReference(_ key: Digest) throws -> ValueReference? {
        guard let reference = try decodeManifest(key, recordingUse: true, { try CallManifest.decodeResult($0) }) else {
            throw FlecheError.notFound(key: key.hex)
        }
        return reference
    }

    /// Every readable record, read on all cores (a query over many calls is bound by reading
    /// and parsing one small file each); unreadable ones are skipped with a warning.
    public func records() throws -> [(key: Digest, record: CallRecord)] {
        try readable(loadAll(keys()))
    }

    /// Every readable record with only `members` of its manifest built (besides `name`; see
    /// `CallTemplate.members` for the names), the others left empty (no arguments, no
    /// result, no metadata): what a listing reads when it shows a few members of many calls.
    /// Unreadable manifests are skipped with a warning.
    public func records(members: Set<String>) throws -> [(key: Digest, record: CallRecord)] {
        try records(of: keys(), members: members)
    }

    /// The records of `keys` as ``records(members:)`` reads them (those that do not read are
    /// left out).
    public func records(of keys: [Digest], members: Set<String>) -> [(key: Digest, record: CallRecord)] {
        readable(decodeAll(keys) { try CallManifest.decode($0, members: members) })
    }

    /// Every readable manifest's function, object references and size, read on all cores
    /// without building inline values or metadata: what ``DiskUsage`` measures. Unreadable
    /// manifests are skipped with a warning.
    package func references() throws -> [ManifestReferences] {
        readable(decodeAll(try keys()) { try ManifestReferences(parsing: $0) }).map(\.record)
    }

    /// What a survey of the store reads of every manifest, on all cores: its references (as
    /// ``references()`` reads them), its size and the bytes its file takes on disk (an
    /// `fstat` of the open file). A manifest that does not read keeps its size and allocation
    /// (from `stat`) with `nil` references and a warning; one gone since the listing is left out.
    package func measuredReferences(
        of keys: [Digest]
    ) -> [(references: ManifestReferences?, size: Int, allocated: Int)] {
        let read = inParallel(keys) { key in
            Result {
                try self.decodeManifest(key, measuringAllocation: true) { bytes, allocated in
                    (try ManifestReferences(parsing: bytes), allocated)
                }
            }
        }
        var out: [(references: ManifestReferences?, size: Int, allocated: Int)] = []
        out.reserveCapacity(read.count)
        for (key, result) in read {
            switch result {
            case .success(let found?):
                let references = found.0
                let allocated = found.1 ?? FileSystem.status(path(of: key))?.allocated ?? 0
                out.append((references, references.manifestBytes, allocated))
            case .success(nil):
                continue
            case .failure(let error):
                // As `readable(_:)`: a manifest this store's keys did not sign is left out of
                // the functions silently (it is a miss), a damaged one with a warning.
                if !((error as? FlecheError)?.isMiss ?? false) {
                    log.warning("skipping unreadable call record", metadata: ["key": "\(key.hex)", "error": "\(error)"])
                }
                if let status = FileSystem.status(path(of: key)) { out.append((nil, status.size, status.allocated)) }
            }
        }
        return out
    }

    /// What was read of each manifest that read, in order; those gone since the listing are
    /// left out, others that did not read with a warning.
    private func readable<T>(_ loaded: [(Digest, Result<T, any Error>)]) -> [(key: Digest, record: T)] {
        var out: [(key: Digest, record: T)] = []
        for (key, result) in loaded {
            switch result {
            case .success(let record): out.append((key, record))
            case .failure(let error as FlecheError) where error.isMiss: continue
            case .failure(let error):
                log.warning("skipping unreadable call record", metadata: ["key": "\(key.hex)", "error": "\(error)"])
            }
        }
        return out
    }

    /// Loads `keys` in parallel, in order, each as a success or its error; without
    /// `checkingSignatures`, manifests this store's keys did not sign load too (gc marks from
    /// every manifest).
    func loadAll(_ keys: [Digest], checkingSignatures: Bool = true) -> [(Digest, Result<CallRecord, any Error>)] {
        decodeAll(keys, checkingSignatures: checkingSignatures) { try CallManifest.decode($0) }
    }

    /// `decode` of each manifest of `keys` on all cores, in order, as a success or its error
    /// (a manifest gone since the listing is `notFound`).
    private func decodeAll<T: Sendable>(
        _ keys: [Digest], checkingSignatures: Bool = true, _ decode: @Sendable (UnsafeRawBufferPointer) throws -> T
    ) -> [(Digest, Result<T, any Error>)] {
        inParallel(keys) { key in
            Result {
                guard let read = try decodeManifest(key, checkingSignature: checkingSignatures, decode) else {
                    throw FlecheError.notFound(key: key.hex)
                }
                return read
            }
        }
    }

    /// How many readable manifests match `template`, decoding only the members it tests, on
    /// all cores; unreadable manifests are skipped with a warning.
    /// - Throws: `FlecheError.invalidKey` for a digest prefix in the template that is not hex,
    ///   `FlecheError.io` when `calls/` cannot be listed.
    public func count(matching template: CallTemplate) throws -> Int {
        let matcher = try template.matcher(using: algorithm)
        let members = matcher.template.members
        let matches = inParallel(try keys()) { key -> Bool in
            do {
                guard let record = try decodeManifest(key, { try CallManifest.decode($0, members: members) }) else { return false }
                return matcher.matches(record)
            } catch {
                log.warning("skipping unreadable call record", metadata: ["key": "\(key.hex)", "error": "\(error)"])
                return false
            }
        }
        return matches.count { $0.1 }
    }

    /// `work` over `keys` on all cores (a query over many calls is bound by reading and
    /// parsing one small file each), results in the order of `keys`.
    private func inParallel<R: Sendable>(_ keys: [Digest], _ work: @Sendable (Digest) -> R) -> [(Digest, R)] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, keys.count / 256))
        guard workers > 1 else { return keys.map { ($0, work($0)) } }
        let results = Locked([[(Digest, R)]](repeating: [], count: workers))
        let chunk = (keys.count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let slice = keys[min(keys.count, worker * chunk)..<min(keys.count, (worker + 1) * chunk)]
            let done = slice.map { ($0, work($0)) }
            results.withLock { $0[worker] = done }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    public func load(_ key: Digest) throws -> CallRecord {
        guard let record = try decodeManifest(key, { try CallManifest.decode($0) }) else { throw FlecheError.notFound(key: key.hex) }
        return record
    }
}
