import ArgumentParser
import Fleche

struct ExpandCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "expand", abstract: "Expand key prefixes to full keys.")

    @Argument(help: "Prefixes of at least 4 characters.")
    var prefixes: [String]

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        let keys = try prefixes.map { try cache.expand($0) }
        if options.json {
            printJSON(.array(keys.map { .string($0.hex) }))
        } else {
            keys.forEach { print($0.hex) }
        }
    }
}

struct ShrinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shrink", abstract: "Shorten keys to their shortest unambiguous prefix.")

    @Argument(help: "Keys (or prefixes) of stored calls or values.")
    var keys: [String]

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        let short = try cache.shrink(try keys.map { try cache.expand($0) })
        if options.json {
            printJSON(.array(short.map(JSON.string)))
        } else {
            short.forEach { print($0) }
        }
    }
}

struct EvictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evict", abstract: "Remove call records (their values stay until gc).")

    @Argument(help: "Call keys or prefixes.")
    var keys: [String]

    @OptionGroup var options: StoreOptions

    func run() throws {
        let cache = try options.openCache()
        let full = try keys.map { try cache.expand($0) }
        for key in full where !(try cache.contains(key)) {
            throw CLIError("\(key.hex) is not a stored call (values are removed by gc, not evict)")
        }
        for key in full { try cache.evict(key) }
        if options.json {
            printJSON(.array(full.map { .string($0.hex) }))
        } else {
            full.forEach { print("evicted \($0.hex)") }
        }
    }
}
