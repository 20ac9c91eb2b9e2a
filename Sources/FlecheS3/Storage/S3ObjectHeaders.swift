import FlecheStore
import FlecheValue

/// What an object's header says, read without its payload: its children and the size of
/// its payload before compression.
struct S3ObjectHeader: Sendable {
    let children: [Digest]
    let payloadSize: Int
}

extension S3ObjectStorage {
    /// The bytes of an object's start read to find its header: the header of an object with
    /// up to 30 children of 32 bytes; a longer header is read whole.
    static let headerPrefix = 1_024

    /// The headers of `digests`, read with ranged `GET`s (``S3Client/maximumInFlight`` at a
    /// time). An object the bucket does not have, or whose header does not parse, has no
    /// entry: gc keeps it, verify reports it.
    func headers(of digests: [Digest]) throws -> [Digest: S3ObjectHeader] {
        let client = folder.client
        let starts = try client.inParallel(digests) { client.getFuture(folder.key($0), prefix: Self.headerPrefix) }
        var headers: [Digest: S3ObjectHeader] = [:]
        for (digest, start) in zip(digests, starts) {
            guard let start else { continue }
            do {
                let header = try ObjectBytes.header(of: start, key: digest, location: folder.display(digest))
                headers[digest] = S3ObjectHeader(children: header.children, payloadSize: header.payloadSize)
            } catch {
                // A header longer than the prefix, or damage: read it whole.
                guard let whole = try client.get(folder.key(digest)),
                    let header = try? ObjectBytes.header(of: whole, key: digest, location: folder.display(digest))
                else { continue }
                headers[digest] = S3ObjectHeader(children: header.children, payloadSize: header.payloadSize)
            }
        }
        return headers
    }

    /// Follows child digests from `pending` through object headers, each level in parallel,
    /// adding what it finds to `reached` and the headers read to `headers`; a digest not in
    /// `listed` (not in the bucket) has no children to follow, nor does one already in
    /// `headers`'s keys.
    func reach(from pending: [Digest], into reached: inout Set<Digest>, listed: Set<Digest>, headers: inout [Digest: S3ObjectHeader]) throws {
        var pending = pending
        while !pending.isEmpty {
            let known = pending.filter { headers[$0] != nil }
            let wanted = pending.filter { listed.contains($0) && headers[$0] == nil }
            pending = []
            let read = try self.headers(of: wanted)
            headers.merge(read) { old, _ in old }
            for digest in known + wanted {
                for child in headers[digest]?.children ?? [] where reached.insert(child).inserted { pending.append(child) }
            }
        }
    }
}
