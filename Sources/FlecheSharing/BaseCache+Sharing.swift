import FlecheCache
import FlecheStore
import FlecheValue

extension BaseCache {
    /// Publishes this cache's calls to the store at `destination` with `rsync`
    /// (``StorePush``): values first, then manifests, only what the destination lacks.
    ///
    /// - Parameters:
    ///   - destination: a store directory, `host:path` (ssh) or `rsync://host/module/path`.
    ///   - template: only the calls it matches, with exactly the objects they reach.
    ///   - dryRun: report what would be sent; send nothing.
    ///   - rsync: the rsync program and its options (by default `$FLECHE_RSYNC` or `rsync`).
    /// - Throws: `FlecheError.invalidArguments` for a cache with no single file store behind
    ///   it; ``SharingError`` when rsync fails or the stores are incompatible.
    @discardableResult
    public func push(
        to destination: StoreAddress, matching template: CallTemplate? = nil, dryRun: Bool = false, rsync: Rsync = Rsync()
    ) throws -> SharingReport {
        var push = StorePush(store: try sharedStore(), to: destination, template: template, dryRun: dryRun)
        push.rsync = rsync
        return try push.run()
    }

    /// Brings the calls of the store at `source` into this cache's store with `rsync`
    /// (``StorePull``): everything that arrives is checked before it is moved in.
    ///
    /// - Parameters:
    ///   - source: a store directory, `host:path` (ssh) or `rsync://host/module/path`.
    ///   - template: only the calls it matches, with exactly the objects they reach.
    ///   - verify: re-hash every object that arrived against its name.
    ///   - dryRun: report what would arrive; change nothing.
    ///   - rsync: the rsync program and its options (by default `$FLECHE_RSYNC` or `rsync`).
    /// - Throws: `FlecheError.invalidArguments` for a cache with no single file store behind
    ///   it; ``SharingError`` when rsync fails or the stores are incompatible.
    @discardableResult
    public func pull(
        from source: StoreAddress, matching template: CallTemplate? = nil, verify: Bool = false, dryRun: Bool = false,
        rsync: Rsync = Rsync()
    ) throws -> SharingReport {
        let store = try sharedStore()
        var pull = StorePull(into: store.root, from: source, template: template, verify: verify, dryRun: dryRun)
        pull.rsync = rsync
        pull.signingKeys = store.calls.signingKeys
        return try pull.run()
    }

    private func sharedStore() throws -> FileStore {
        guard let store = fileStore else {
            throw FlecheError.invalidArguments("this cache has no single file store behind it: push and pull work on one store")
        }
        return store
    }
}
