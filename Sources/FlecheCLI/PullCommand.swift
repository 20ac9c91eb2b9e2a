import ArgumentParser
import Fleche
#if canImport(FlecheS3)
import FlecheS3
#endif

struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Bring calls with their values from another store, with rsync or from S3.",
        discussion: """
            SOURCE is a store directory, HOST:PATH (rsync over ssh), rsync://HOST/MODULE/PATH \
            (an rsync daemon) or the name of a cache in fleche.toml (a store directory, or an S3 \
            store). Only what this store lacks \
            arrives, into tmp/ first; each object's header and children are checked (with \
            --verify each is also re-hashed against its name) and anything damaged is refused, \
            with the calls that need it, before the rest is moved in: values first, then \
            manifests. Calls this store already has are kept. A store that does not exist yet \
            is created with the source's settings.
            """)

    @Argument(help: "The store to pull from.", completion: .directory)
    var source: String

    @OptionGroup var filter: CallFilterOptions

    @Flag(name: .long, help: "Re-hash every object that arrives against its name before moving anything in.")
    var verify = false

    @Flag(name: .long, help: "Show what would arrive; change nothing here.")
    var dryRun = false

    @OptionGroup var options: StoreOptions

    /// An address rsync would not understand is a usage error (exit 64).
    func validate() throws {
        do {
            _ = try StoreAddress(parsing: source)
        } catch let error as SharingError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        #if canImport(FlecheS3)
        if try options.s3Storages() != nil {
            throw CLIError("a pull fills a store directory; to publish calls to an S3 cache, push them from one: fleche push \(options.cache ?? "NAME") --store DIR")
        }
        #endif
        let root = try options.location.storeRoot()
        let template = filter.isEmpty ? nil : filter.template
        // An existing store of fleche.toml brings its own secret keys.
        let signingKeys = FileStore.exists(at: root) ? try options.openStore().calls.signingKeys : nil
        #if canImport(FlecheS3)
        if let (objects, calls) = try s3Cache(named: source) {
            var pull = S3Pull(into: root, objects: objects, calls: calls, template: template, verify: verify, dryRun: dryRun)
            pull.signingKeys = signingKeys
            printSharingReport(try pull.run(), sent: false, address: objects.client.location.description, json: options.json)
            return
        }
        #endif
        var pull = StorePull(into: root, from: try StoreAddress.resolve(source), template: template, verify: verify, dryRun: dryRun)
        pull.signingKeys = signingKeys
        if TerminalProgress.wanted(json: options.json) {
            let display = TerminalProgress(minimumTotal: 1)
            pull.progress = { display.show($0, $1, $2) }
        }
        let report = try pull.run()
        printSharingReport(report, sent: false, address: pull.source.description, json: options.json)
    }
}
