import FlecheConfig
import FlecheStore
import FlecheValue

extension S3Store {
    /// The settings `template = "s3"` reads in `fleche.toml`.
    public static let configurationKeys: Set<String> = ["endpoint", "bucket", "prefix", "region", "path_style", "profile"]

    /// Makes `template = "s3"` in `fleche.toml` open an S3 store (the `fleche` command
    /// calls this; a program that reads such a file calls it once before):
    ///
    /// ```toml
    /// [team]
    /// template = "s3"
    /// endpoint = "http://seaweed.lan:8333"   # omit for AWS (then virtual-hosted addressing)
    /// bucket = "team"
    /// prefix = "fleche"                      # the store's folder in the bucket
    /// region = "us-east-1"
    /// path_style = true                      # default: true with an endpoint, false without
    /// profile = "ci"                         # of ~/.aws/credentials, when the environment has no keys
    /// budget = { max_size = "500G", max_age = "90d" }  # what fleche gc keeps, least recently used first
    /// ```
    ///
    /// `digest` sets the algorithm of a store created there; `read_only`, `max_size` and the
    /// other wrappers apply as to any cache.
    public static func registerConfigurationTemplate() {
        CacheTemplates.register("s3", keys: configurationKeys) { settings in
            guard let bucket = try settings.string("bucket") else {
                throw settings.failure("an s3 cache needs bucket = \"NAME\" (and endpoint = \"http://host:port\" unless it is AWS)")
            }
            let location: S3Location
            do {
                location = try S3Location(
                    endpoint: settings.string("endpoint"), bucket: bucket, prefix: settings.string("prefix") ?? "",
                    region: settings.string("region") ?? "us-east-1", pathStyle: settings.bool("path_style"))
            } catch FlecheError.invalidArguments(let reason) {
                throw settings.failure(reason)
            }
            let budget = try settings.budget()
            if budget?.trimsAutomatically == true {
                throw settings.failure("budget auto_trim works on store directories; an S3 store's budget is kept by fleche gc")
            }
            let credentials = try S3Credentials.discover(profile: settings.string("profile"))
            return try S3Store(
                location: location, credentials: credentials, format: StoreFormat(algorithm: settings.algorithm ?? .sha256), budget: budget
            ).cache
        }
    }
}
