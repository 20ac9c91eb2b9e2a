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
        let store = try FileStore(root: path ?? options.root, create: true, algorithm: algorithm)
        if options.json {
            printJSON(.object([("store", .string(store.root)), ("digest", .string(store.format.algorithm.rawValue))]))
        } else {
            print("store \(store.root) (\(store.format.algorithm.rawValue), format \(store.format.version))")
        }
    }
}
