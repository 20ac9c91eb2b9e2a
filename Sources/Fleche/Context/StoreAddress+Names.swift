import FlecheSharing

extension StoreAddress {
    /// The address a user wrote for `fleche push`/`pull`: `rsync://host/module/path` or
    /// `host::module/path` (an rsync daemon), `host:path` (ssh), a store directory, or the
    /// name of a cache in `fleche.toml` (the directory of its one file store).
    /// - Throws: `SharingError.badAddress` for an address rsync would not
    ///   understand; `FlecheError.invalidArguments` for a named cache with no single file
    ///   store behind it.
    public static func resolve(_ text: String) throws -> StoreAddress {
        let address = try StoreAddress(parsing: text)
        guard case .local = address, !text.contains("/"), !text.hasPrefix("."), !text.hasPrefix("~") else { return address }
        if case .named = try CacheLocation.parse(text) {
            return .local(try CacheLocation.named(text).openFileStore(create: true).root)
        }
        return address
    }
}
