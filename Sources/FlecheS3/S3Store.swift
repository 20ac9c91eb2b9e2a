import FlecheCache
import FlecheStore
import FlecheValue

/// A Fleche store in an S3 bucket: `<prefix>/FORMAT`, `<prefix>/objects/`, `<prefix>/calls/`
/// with the file store's names and bytes, so that `aws s3 sync` of a store folder gives a
/// valid S3 store and a synced-down prefix is a valid local store (docs/FORMAT.md, "S3").
///
/// ```swift
/// let store = try S3Store(location: S3Location(
///     endpoint: "http://127.0.0.1:8333", bucket: "team", prefix: "fleche"))
/// let cache = store.cache
/// ```
public final class S3Store: Sendable {
    /// The client every request goes through.
    public let client: S3Client
    /// The store's settings, from its `FORMAT`.
    public let format: StoreFormat
    /// The value objects.
    public let objects: S3ObjectStorage
    /// The call manifests.
    public let calls: S3CallStorage
    /// The cache over this store (a layer of a stack like any other); one per store, so its
    /// users share its per-call locks.
    public let cache: Cache

    /// Opens the store at `location`, writing its `FORMAT` first when there is none and
    /// `create` is set.
    ///
    /// - Parameters:
    ///   - location: the endpoint, bucket and prefix.
    ///   - credentials: the key pair (default: ``S3Credentials/discover(environment:profile:)``).
    ///   - create: whether a missing `FORMAT` is written (a new store); without it, a
    ///     location that holds no store is an error, so a typo never makes an empty store.
    ///   - format: the settings of a store created here (an existing store keeps its own).
    ///   - retry: how transient failures are retried.
    ///   - maximumInFlight: how many requests listings, queries and uploads keep going at once.
    ///   - budget: how large and old the store may be: what its gc enforces (`nil`: no limit).
    /// - Throws: ``S3Error`` when the bucket cannot be reached (with what to check),
    ///   `FlecheError.notFound` when there is no store and `create` is off,
    ///   `FlecheError.unknownFormat` for a `FORMAT` this build cannot read.
    public init(
        location: S3Location, credentials: S3Credentials? = nil, create: Bool = true, format: StoreFormat = StoreFormat(),
        retry: S3RetryPolicy = S3RetryPolicy(), maximumInFlight: Int = 16, budget: StoreBudget? = nil
    ) throws {
        let client = S3Client(
            location: location, credentials: try credentials ?? S3Credentials.discover(), retry: retry,
            maximumInFlight: maximumInFlight)
        let formatKey = location.key("FORMAT")
        let opened: StoreFormat
        if let bytes = try client.get(formatKey) {
            opened = try StoreFormat(fileBytes: bytes, path: location.display(formatKey))
        } else {
            guard create else { throw FlecheError.notFound(key: location.display(formatKey)) }
            try client.put(formatKey, format.fileBytes)
            opened = format
        }
        self.client = client
        self.format = opened
        self.objects = S3ObjectStorage(client: client, format: opened, budget: budget)
        self.calls = S3CallStorage(client: client, algorithm: opened.algorithm)
        // The two storages share the format's algorithm, which is all the initializer checks.
        self.cache = try Cache(values: objects, calls: calls, inlineLimit: opened.inlineLimit)
    }

    /// Where the store is: `s3://bucket/prefix`.
    public var location: S3Location { client.location }
}
