import FlecheStore
import FlecheValue

extension FuzzTarget {
    /// Call manifests: the hit path's reader (`CallManifest.decodeResult`) and the full one
    /// (`CallManifest.decode`, which queries, `ls` and verify use) agree. What the full reader
    /// accepts, the hit path accepts with the same result; what only the hit path accepts is
    /// damaged in a member the hit path does not read (it checks their syntax, not their
    /// contents); a record the full reader returns is written back to the same record; and
    /// what `du` and `stats` read of an accepted manifest (`ManifestReferences`) is that
    /// record's function and object digests.
    package static let manifest = FuzzTarget(name: "manifest") { bytes in
        let fast = Result { try CallManifest.decodeResult(bytes) }
        let full = Result { try CallManifest.decode(bytes) }
        let queried = Result { try CallManifest.decode(bytes, members: ["result"]) }
        switch full {
        case .success(let record):
            guard case .success(let result) = fast else {
                return try require(false, "the hit path refuses a manifest the full reader accepts")
            }
            try require(result == record.result, "the hit path reads another result than the full reader")
            try require((try? queried.get())?.result == record.result, "a query reads another result than the full reader")
            let references = try? bytes.withUnsafeBytes { try ManifestReferences(parsing: $0) }
            try require(
                references?.name == record.name && references?.module == record.module
                    && references?.objectDigests == record.objectDigests && references?.manifestBytes == bytes.count,
                "du reads other references than the full reader")
            let again = Result { try CallManifest.decode(CallManifest.encode(record)) }
            try require((try? again.get()) == record, "a record does not survive writing and reading back")
        case .failure:
            if case .success = fast {
                // Only contents the hit path skips may be wrong: the envelope must hold.
                try require((try? queried.get()) != nil, "the hit path accepts a manifest whose envelope is broken")
            }
        }
    }
}
