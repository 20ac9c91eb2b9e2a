import FlecheValue

/// The check of everything a pull brought, before any of it is moved into the store.
///
/// Every object that arrived must have a header that parses and children that are in the
/// store or arrived and were accepted; with `verify`, it is also read back and re-hashed
/// against its name (`fleche verify`'s check of one object). Damage spreads up: an object
/// with a refused child is refused, and so is a manifest that names a refused object, one
/// that is neither in the store nor arrived, or one filed under another key.
package struct ReceiptCheck {
    /// What was refused, and why.
    package private(set) var refused: [StoreProblem] = []
    package private(set) var refusedObjects = Set<Digest>()
    package private(set) var refusedCalls = Set<Digest>()

    package init(incoming: FileStore, store: FileStore, objects: Set<Digest>, calls: [Digest: CallRecord], verify: Bool) throws {
        var children: [Digest: [Digest]] = [:]
        for key in objects {
            if verify {
                switch try incoming.objects.examine(key) {
                case .sound(let kids): children[key] = kids
                case .damaged(let problem): refuse(object: problem)
                case .absent: refuse(object: .init(kind: .corruptObject, key: key, path: incoming.objects.path(of: key), detail: "vanished on arrival"))
                }
            } else {
                do {
                    children[key] = try incoming.objects.childDigests(of: key)
                } catch let error as FlecheError {
                    refuse(object: .init(kind: .corruptObject, key: key, path: incoming.objects.path(of: key), detail: "\(error)"))
                }
            }
        }
        func isPresent(_ key: Digest) -> Bool {
            objects.contains(key) || ((try? store.objects.contains(key)) ?? false)
        }
        var damaged = refusedObjects
        spreadDamage(children: children, isPresent: isPresent, damaged: &damaged) { key, child, exists in
            refused.append(.init(
                kind: .missingChild, key: key, path: incoming.objects.path(of: key),
                detail: "child \(child.hex) \(exists ? "was refused" : "is neither here nor there")"))
        }
        refusedObjects = damaged

        let algorithm = store.format.algorithm
        for (key, record) in calls {
            let path = incoming.calls.path(of: key)
            let own = record.key(using: algorithm)
            if own != key {
                refusedCalls.insert(key)
                refused.append(.init(kind: .misfiledManifest, key: key, path: path, detail: "its key is \(own.hex)"))
                continue
            }
            if let bad = record.objectDigests.first(where: { !isPresent($0) || refusedObjects.contains($0) }) {
                refusedCalls.insert(key)
                refused.append(.init(
                    kind: .missingObject, key: key, path: path,
                    detail: "object \(bad.hex) \(isPresent(bad) ? "was refused" : "is missing on the sending side")"))
            }
        }
    }

    private mutating func refuse(object problem: StoreProblem) {
        refused.append(problem)
        refusedObjects.insert(problem.key)
    }
}
