#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Call manifests under `<store>/calls/`, one small JSON file per lookup key.
public final class FileCallStorage: CallStorage, ShardedFileStorage {
    public let algorithm: DigestAlgorithm
    let layout: StoreLayout
    let durable: Bool
    /// `calls/`, held open so that a manifest read walks two path components, not the
    /// whole store path (the kernel's path walk was a sixth of a hit, perf).
    private let directoryDescriptor: Int32?

    init(layout: StoreLayout, algorithm: DigestAlgorithm, durable: Bool) {
        self.layout = layout
        self.algorithm = algorithm
        self.durable = durable
        self.directoryDescriptor = FileSystem.openDirectory(layout.callsDirectory)
    }

    deinit {
        if let directoryDescriptor { close(directoryDescriptor) }
    }

    /// The bytes of the manifest `key`, or `nil` if there is none. Read through the open
    /// `calls/`; a miss there is checked by path too, in case the directory was replaced
    /// (a store deleted and created again while this process runs).
    private func readManifest(_ key: Digest, confirmEnd: Bool) throws -> [UInt8]? {
        if let directoryDescriptor {
            // "ab/cdef…" written straight into a stack buffer: no Strings on the hit path.
            let found = try withUnsafeTemporaryAllocation(of: CChar.self, capacity: key.bytes.count * 2 + 2) { path in
                var index = 0
                for (position, byte) in key.bytes.enumerated() {
                    path[index] = CChar(bitPattern: Hex.digits[Int(byte >> 4)])
                    path[index + 1] = CChar(bitPattern: Hex.digits[Int(byte & 0x0f)])
                    index += 2
                    if position == 0 {
                        path[index] = CChar(bitPattern: UInt8(ascii: "/"))
                        index += 1
                    }
                }
                path[index] = 0
                return try FileSystem.readSmallFile(
                    path.baseAddress!, relativeTo: directoryDescriptor, confirmEnd: confirmEnd, describedAs: self.path(of: key))
            }
            if let found { return found }
        }
        return try FileSystem.readFile(path(of: key))
    }

    /// Reads and decodes the manifest `key`, or returns `nil` if there is none. The first
    /// read takes a short read as the end of the file; a manifest that does not decode is
    /// read again to a confirmed end before it is called corrupt.
    private func decodeManifest<T>(_ key: Digest, _ decode: ([UInt8]) throws -> T) throws -> T? {
        guard let bytes = try readManifest(key, confirmEnd: false) else { return nil }
        do {
            return try decode(bytes)
        } catch let first as CallManifest.Invalid {
            guard let again = try readManifest(key, confirmEnd: true) else { return nil }
            do {
                guard again != bytes else { throw first }
                return try decode(again)
            } catch let invalid as CallManifest.Invalid {
                throw FlecheError.corruptManifest(key: key, path: path(of: key), reason: invalid.reason)
            }
        }
    }

    /// The path of the manifest for `key`.
    public func path(of key: Digest) -> String { layout.callPath(key) }

    var directory: String { layout.callsDirectory }

    /// Writes the manifest with one atomic rename, replacing any earlier record of the key
    /// (there is no window in which the key is missing).
    public func save(_ record: CallRecord, key: Digest) throws {
        try layout.writeAtomically(CallManifest.encode(record), to: path(of: key), durable: durable)
    }

    /// Reads only the result member of the manifest: what a memoized call needs on a hit.
    public func resultReference(_ key: Digest) throws -> ValueReference? {
        guard let reference = try decodeManifest(key, { try CallManifest.decodeResult($0) }) else {
            throw FlecheError.notFound(key: key.hex)
        }
        return reference
    }

    /// Every readable record, read on all cores (a query over many calls is bound by reading
    /// and parsing one small file each); unreadable ones are skipped with a warning.
    public func records() throws -> [(key: Digest, record: CallRecord)] {
        var out: [(key: Digest, record: CallRecord)] = []
        for (key, result) in try loadAll(keys()) {
            switch result {
            case .success(let record): out.append((key, record))
            case .failure(let error as FlecheError) where error.isMiss: continue
            case .failure(let error):
                log.warning("skipping unreadable call record", metadata: ["key": "\(key.hex)", "error": "\(error)"])
            }
        }
        return out
    }

    /// Loads `keys` in parallel, in order, each as a success or its error.
    func loadAll(_ keys: [Digest]) -> [(Digest, Result<CallRecord, any Error>)] {
        inParallel(keys) { key in Result { try load(key) } }
    }

    /// How many readable records match `matcher`, reading only the manifest members it
    /// looks at (counting needs no inline values and no metadata it does not test).
    func count(matching matcher: CallTemplate.Matcher) throws -> Int {
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
        let results = Mutex([[(Digest, R)]](repeating: [], count: workers))
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
