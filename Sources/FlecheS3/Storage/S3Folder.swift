import FlecheValue

/// One of a store's two folders in the bucket (`objects/`, `calls/`): the key of a digest
/// (`<prefix>/objects/ab/cdef…`, the file store's sharding), listings by hex prefix, and
/// the key operations both storages share.
struct S3Folder: Sendable {
    let client: S3Client
    /// `objects` or `calls`.
    let name: String
    let algorithm: DigestAlgorithm

    /// The full key of `digest`: `<prefix>/<name>/ab/cdef…`.
    func key(_ digest: Digest) -> String {
        let hex = digest.hex
        return client.location.key("\(name)/\(hex.prefix(2))/\(hex.dropFirst(2))")
    }

    /// `s3://bucket/key` of `digest`, for messages.
    func display(_ digest: Digest) -> String { client.location.display(key(digest)) }

    /// The listing prefix of the keys whose hex starts with `hexPrefix`.
    private func listingPrefix(_ hexPrefix: String) -> String {
        let shard = hexPrefix.count >= 2 ? "\(hexPrefix.prefix(2))/\(hexPrefix.dropFirst(2))" : hexPrefix
        return client.location.key("\(name)/\(shard)")
    }

    /// The digest a listed key names, or `nil` for any other key (a stray upload).
    func digest(ofKey key: String) -> Digest? {
        guard let relative = client.location.name(ofKey: key), relative.hasPrefix("\(name)/") else { return nil }
        let parts = relative.dropFirst(name.count + 1).split(separator: "/")
        guard parts.count == 2, parts[0].utf8.count == 2, parts[0].utf8.count + parts[1].utf8.count == algorithm.hexLength
        else { return nil }
        return Digest(hex: String(parts[0] + parts[1]))
    }

    /// Listed objects under `hexPrefix` (empty: all) with their digests.
    func list(hexPrefix: String = "") throws -> [(digest: Digest, info: S3ObjectInfo)] {
        try client.list(prefix: listingPrefix(hexPrefix)).compactMap { info in digest(ofKey: info.key).map { ($0, info) } }
    }

    func keys(withPrefix hexPrefix: String) throws -> [Digest] {
        try list(hexPrefix: hexPrefix.lowercased()).map(\.digest)
    }

    func contains(_ digest: Digest) throws -> Bool { try client.head(key(digest)) != nil }

    /// Deletes `digest`'s key; returns whether it was there (a `HEAD` first: S3's delete
    /// answers the same either way).
    func evict(_ digest: Digest) throws -> Bool {
        guard try contains(digest) else { return false }
        try client.delete(key(digest))
        return true
    }
}
