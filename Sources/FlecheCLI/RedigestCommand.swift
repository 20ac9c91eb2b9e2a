import ArgumentParser
import Fleche

struct RedigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redigest", abstract: "Re-key call records whose file name is not the key their content gives.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        // A cache of one store (a folder, or an S3 store of fleche.toml); a stack's store folder.
        let cache = try options.openCache() as? Cache ?? Cache(store: try options.openStore())
        let moves = try cache.redigest()
        if options.json {
            printJSON(.array(moves.map { .object([("from", .string($0.from.hex)), ("to", .string($0.to.hex))]) }))
        } else {
            for move in moves { print("\(move.from.hex) -> \(move.to.hex)") }
            print("re-keyed \(moves.count) calls")
        }
    }
}
