import ArgumentParser
import Fleche

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a store (or confirm an existing one).")

    @Argument(help: "The store directory (default: --store, else the default store).")
    var path: String?

    @Option(name: .long, help: "Digest algorithm of a new store: sha256 (default) or xxh3-128.")
    var digest: String?

    @OptionGroup var options: StoreOptions

    func run() throws {
        var algorithm: DigestAlgorithm?
        if let digest {
            guard let chosen = DigestAlgorithm(rawValue: digest) else {
                throw CLIError("unknown digest '\(digest)': use sha256 or xxh3-128")
            }
            algorithm = chosen
        }
        if path != nil, options.cache != nil { throw CLIError("give a PATH or --cache, not both") }
        // A named file cache is created when fleche.toml's cache is opened.
        let store = options.cache != nil
            ? try options.openStore()
            : try FileStore(root: path ?? options.root, create: true, algorithm: algorithm)
        if let algorithm, algorithm != store.format.algorithm {
            throw CLIError("the store at \(store.root) uses \(store.format.algorithm.rawValue), not \(algorithm.rawValue)")
        }
        if options.json {
            printJSON(.object([("store", .string(store.root)), ("digest", .string(store.format.algorithm.rawValue))]))
        } else {
            print("store \(store.root) (\(store.format.algorithm.rawValue), format \(store.format.version))")
        }
    }
}
