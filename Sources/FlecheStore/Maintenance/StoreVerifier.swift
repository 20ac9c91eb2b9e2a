import FlecheSystem
import FlecheValue
import Foundation

/// One thing wrong in a store.
public struct StoreProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of damage a problem is.
    public enum Kind: String, Sendable {
        /// A manifest that does not parse.
        case corruptManifest = "corrupt manifest"
        /// A manifest stored under a key that is not its own (see `redigest`).
        case misfiledManifest = "misfiled manifest"
        /// A manifest that refers to an object that does not exist (or was moved aside).
        case missingObject = "missing object"
        /// An object whose header or payload does not read back.
        case corruptObject = "corrupt object"
        /// An object whose payload digests to something other than its name.
        case digestMismatch = "digest mismatch"
        /// An object whose child object does not exist (or was moved aside).
        case missingChild = "missing child"
        /// A manifest this store's secret keys did not sign (unsigned, another key, or
        /// changed since): a miss for readers with the keys. `--repair` leaves it (readers
        /// without keys still use it); storing the call again replaces it.
        case untrustedManifest = "untrusted manifest"
    }

    /// What kind of damage this is.
    public var kind: Kind
    /// The manifest's or object's key.
    public var key: Digest
    /// The damaged file.
    public var path: String
    /// What exactly is wrong, for people.
    public var detail: String

    /// A problem of `kind` with the file `path` of `key`.
    public init(kind: Kind, key: Digest, path: String, detail: String) {
        self.kind = kind
        self.key = key
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue) \(key.hex) (\(path)): \(detail)" }
}

/// What `verify` found, and what `--repair` moved.
public struct VerificationReport: Sendable {
    /// Manifests checked.
    public var checkedCalls = 0
    /// Objects checked.
    public var checkedObjects = 0
    /// What was wrong, one entry per damaged file.
    public var problems: [StoreProblem] = []
    /// Paths moved into `lost+found/`.
    public var moved: [String] = []
    /// Whether nothing was wrong.
    public var isClean: Bool { problems.isEmpty }

    /// An empty report.
    public init() {}
}

/// Checks a whole store: every manifest parses and sits under its own key, every object it
/// refers to exists, every object's payload decompresses and re-digests to its name, and
/// every child digest names an existing object.
///
/// With `repair`, corrupt objects (and, transitively, objects and manifests that depend on
/// them) move to `<store>/lost+found/`, so the next call recomputes them; misfiled manifests
/// move to their own key.
public struct StoreVerifier: Sendable {
    /// The store checked.
    public let store: FileStore
    /// Whether damaged files are moved to `lost+found/`.
    public var repair: Bool
    /// Called now and then with (phase, done, total) for a progress display: `objects`,
    /// then `calls`, then `done`.
    public var progress: (@Sendable (String, Int, Int) -> Void)?

    /// A verifier of `store`; with `repair`, damaged files move to `lost+found/`.
    public init(store: FileStore, repair: Bool = false) {
        self.store = store
        self.repair = repair
    }

    /// Checks every manifest and object (and repairs, if asked).
    /// - Returns: the problems found and the files moved.
    /// - Throws: `FlecheError.io` when the store cannot be listed or a file cannot be moved.
    public func run() throws -> VerificationReport {
        var report = VerificationReport()
        let objects = store.objects
        let algorithm = store.format.algorithm

        // Objects: read back, re-digest, collect children.
        var bad = Set<Digest>()
        var children: [Digest: [Digest]] = [:]
        let objectKeys = try objects.keys()
        let present = Set(objectKeys)
        report.checkedObjects = objectKeys.count
        for (index, key) in objectKeys.enumerated() {
            if index % 256 == 0 { progress?("objects", index, objectKeys.count) }
            switch try objects.examine(key) {
            case .sound(let kids): children[key] = kids
            case .damaged(let problem):
                report.problems.append(problem)
                bad.insert(key)
            case .absent: report.checkedObjects -= 1  // removed meanwhile
            }
        }
        // Objects whose children are missing or bad, transitively.
        spreadDamage(children: children, isPresent: present.contains, damaged: &bad) { key, child, exists in
            report.problems.append(.init(
                kind: .missingChild, key: key, path: objects.path(of: key),
                detail: "child \(child.hex) is \(exists ? "corrupt" : "missing")"))
        }

        // Manifests.
        var badManifests: [Digest] = []
        var misfiled: [(Digest, Digest)] = []
        let callKeys = try store.calls.keys()
        for (index, key) in callKeys.enumerated() {
            if index % 256 == 0 { progress?("calls", index, callKeys.count) }
            report.checkedCalls += 1
            let path = store.calls.path(of: key)
            let record: CallRecord
            do {
                record = try store.calls.load(key)
            } catch FlecheError.corruptManifest(_, _, let reason) {
                report.problems.append(.init(kind: .corruptManifest, key: key, path: path, detail: reason))
                badManifests.append(key)
                continue
            } catch FlecheError.untrustedManifest(_, _, let reason) {
                report.problems.append(.init(kind: .untrustedManifest, key: key, path: path, detail: reason))
                continue
            } catch let error as FlecheError where error.isMiss {
                report.checkedCalls -= 1
                continue
            }
            let own = record.key(using: algorithm)
            if own != key {
                report.problems.append(.init(kind: .misfiledManifest, key: key, path: path, detail: "its key is \(own.hex)"))
                misfiled.append((key, own))
            }
            let references = record.arguments.map(\.value) + [record.result].compactMap { $0 }
            if let missing = references.first(where: { $0.inline == nil && (!present.contains($0.digest) || bad.contains($0.digest)) }) {
                report.problems.append(.init(
                    kind: .missingObject, key: key, path: path,
                    detail: "object \(missing.digest.hex) is \(present.contains(missing.digest) ? "corrupt" : "missing")"))
                badManifests.append(key)
            }
        }

        if repair {
            for key in bad.sorted() {
                if let moved = try store.layout.moveToLostAndFound(objects.path(of: key), folder: .objects, key: key) {
                    report.moved.append(moved)
                }
            }
            for key in badManifests {
                if let moved = try store.layout.moveToLostAndFound(store.calls.path(of: key), folder: .calls, key: key) {
                    report.moved.append(moved)
                }
            }
            for (key, own) in misfiled where !badManifests.contains(key) {
                let target = store.calls.path(of: own)
                try fenced { try FileSystem.makeDirectories(FileSystem.parentDirectory(target)) }
                _ = try fenced { try FileSystem.rename(store.calls.path(of: key), to: target) }
                report.moved.append(target)
            }
        }
        progress?("done", 0, 0)
        return report
    }
}
