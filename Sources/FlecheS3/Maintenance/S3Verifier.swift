import FlecheStore
import FlecheValue

/// `verify` of an S3 store: every object read back and re-digested, every manifest decoded
/// and checked against its key and its objects, as the file store's verifier does. With
/// `repair`, damaged objects and manifests (and manifests whose objects are missing or
/// damaged) move to `<prefix>/lost+found/objects/` and `lost+found/calls/`, so that the next
/// call computes and stores them again; misfiled manifests move to their own key.
struct S3Verifier {
    let objects: S3ObjectStorage
    let calls: S3CallStorage
    let repair: Bool

    /// Objects are downloaded this many at a time (each batch in parallel), so memory stays
    /// bounded on a large store.
    static let batch = 256

    func run() throws -> VerificationReport {
        var report = VerificationReport()
        let client = objects.folder.client
        let objectKeys = try objects.folder.list().map(\.digest)
        let present = Set(objectKeys)
        var children: [Digest: [Digest]] = [:]
        var bad = Set<Digest>()
        for start in stride(from: 0, to: objectKeys.count, by: Self.batch) {
            let slice = Array(objectKeys[start..<min(objectKeys.count, start + Self.batch)])
            let bodies = try client.inParallel(slice) { client.getFuture(self.objects.folder.key($0)) }
            for (key, body) in zip(slice, bodies) {
                guard let body else { continue }  // removed meanwhile
                report.checkedObjects += 1
                switch ObjectExamination.examine(body, key: key, location: objects.location(of: key), algorithm: objects.algorithm) {
                case .sound(let kids): children[key] = kids
                case .damaged(let problem):
                    report.problems.append(problem)
                    bad.insert(key)
                case .absent: report.checkedObjects -= 1
                }
            }
        }
        spreadDamage(children: children, isPresent: present.contains, damaged: &bad) { key, child, exists in
            report.problems.append(StoreProblem(
                kind: .missingChild, key: key, path: objects.location(of: key),
                detail: "child \(child.hex) is \(exists ? "corrupt" : "missing")"))
        }

        var badManifests: [Digest] = []
        var misfiled: [(Digest, Digest)] = []
        for (key, loaded) in try calls.loadAll(calls.keys()) {
            let location = calls.location(of: key)
            let record: CallRecord
            switch loaded {
            case .success(let found): record = found
            case .failure(FlecheError.corruptManifest(_, _, let reason)):
                report.checkedCalls += 1
                report.problems.append(StoreProblem(kind: .corruptManifest, key: key, path: location, detail: reason))
                badManifests.append(key)
                continue
            case .failure(let error as FlecheError) where error.isMiss: continue
            case .failure(let error): throw error
            }
            report.checkedCalls += 1
            let own = record.key(using: calls.algorithm)
            if own != key {
                report.problems.append(StoreProblem(kind: .misfiledManifest, key: key, path: location, detail: "its key is \(own.hex)"))
                misfiled.append((key, own))
            }
            let references = record.arguments.map(\.value) + [record.result].compactMap { $0 }
            if let missing = references.first(where: { $0.inline == nil && (!present.contains($0.digest) || bad.contains($0.digest)) }) {
                report.problems.append(StoreProblem(
                    kind: .missingObject, key: key, path: location,
                    detail: "object \(missing.digest.hex) is \(present.contains(missing.digest) ? "corrupt" : "missing")"))
                badManifests.append(key)
            }
        }

        if repair {
            for key in bad.sorted() {
                if let moved = try move(objects.folder.key(key), to: "lost+found/objects/\(key.hex)") { report.moved.append(moved) }
            }
            for key in badManifests {
                if let moved = try move(calls.folder.key(key), to: "lost+found/calls/\(key.hex)") { report.moved.append(moved) }
            }
            for (key, own) in misfiled where !badManifests.contains(key) {
                if let moved = try move(calls.folder.key(key), toKey: calls.folder.key(own)) { report.moved.append(moved) }
            }
        }
        return report
    }

    /// Copies `key` to `name` in the store (a store-relative name) and deletes it; returns
    /// where it went, or `nil` when it was gone already.
    private func move(_ key: String, to name: String) throws -> String? {
        try move(key, toKey: objects.folder.client.location.key(name))
    }

    private func move(_ key: String, toKey target: String) throws -> String? {
        let client = objects.folder.client
        guard let bytes = try client.get(key) else { return nil }
        try client.put(target, bytes)
        try client.delete(key)
        return client.location.display(target)
    }
}

extension S3ObjectStorage: StoreMaintenance {
    /// Collects the store's garbage (`S3GarbageCollector`), first evicting what `budget`
    /// says (`S3BudgetEviction`: least recently used first, by manifest `LastModified`).
    public func collectGarbage(calls: any CallStorage, gracePeriod: Double, budget: StoreBudget?, dryRun: Bool) throws -> GarbageCollectionReport {
        try S3GarbageCollector(objects: self, calls: calls, gracePeriod: gracePeriod, budget: budget, dryRun: dryRun).run()
    }

    /// Verifies the store (`S3Verifier`); `repair` moves what is damaged to
    /// `<prefix>/lost+found/`.
    /// - Throws: `FlecheError.invalidArguments` when `calls` is not an S3 call storage.
    public func verify(calls: any CallStorage, repair: Bool) throws -> VerificationReport {
        guard let s3Calls = calls as? S3CallStorage else {
            throw FlecheError.invalidArguments("an S3 store is verified with its own call storage")
        }
        return try S3Verifier(objects: self, calls: s3Calls, repair: repair).run()
    }
}
