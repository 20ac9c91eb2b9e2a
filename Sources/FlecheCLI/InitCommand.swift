import ArgumentParser
import Fleche

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
