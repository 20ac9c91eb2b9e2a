import ArgumentParser
import Fleche
#if canImport(FlecheS3)
import FlecheS3
#endif

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a store (or confirm an existing one).")

    @Argument(help: "The store directory (default: --store, else the default store).", completion: .directory)
    var path: String?

    @Option(name: .long, help: "Digest algorithm of a new store (default: sha256).")
    var digest: DigestAlgorithm?

    @OptionGroup var options: StoreOptions

    func validate() throws {
        if path != nil, options.cache != nil { throw ValidationError("give a PATH or --cache, not both") }
    }

    func run() throws {
        let algorithm = digest
        #if canImport(FlecheS3)
        // An S3 cache writes its FORMAT when fleche.toml's cache is opened.
        if let (objects, _) = try options.s3Storages() {
            if let algorithm, algorithm != objects.algorithm {
                throw CLIError("the store at \(objects.client.location) uses \(objects.algorithm.rawValue), not \(algorithm.rawValue)")
            }
            if options.json {
                printJSON(.object([("store", .string(objects.client.location.description)), ("digest", .string(objects.algorithm.rawValue))]))
            } else {
                print("store \(objects.client.location) (\(objects.algorithm.rawValue), format \(objects.format.version))")
            }
            return
        }
        #endif
        // A named file cache is created when fleche.toml's cache is opened.
        let store = options.cache != nil
            ? try options.openStore()
            : try FileStore(root: path ?? options.store ?? FileStore.defaultRoot(), create: true, algorithm: algorithm)
        if let algorithm, algorithm != store.format.algorithm {
            throw CLIError("the store at \(store.root) uses \(store.format.algorithm.rawValue), not \(algorithm.rawValue)")
        }
        if options.json {
            printJSON(store.identityJSON)
        } else {
            print("store \(store.root) (\(store.format.algorithm.rawValue), format \(store.format.version))")
        }
    }
}
