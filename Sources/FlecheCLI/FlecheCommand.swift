import ArgumentParser
import Fleche
import Foundation

@main
struct FlecheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleche",
        abstract: "Inspect and maintain a Fleche memoization store.",
        version: FlecheLibrary.version,
        subcommands: [
            InitCommand.self, ListCommand.self, ShowCommand.self, CatCommand.self, QueryCommand.self,
            ExpandCommand.self, ShrinkCommand.self, EvictCommand.self, StatsCommand.self, GCCommand.self,
            VerifyCommand.self, TableCommand.self, TransferCommand.self, RedigestCommand.self, FixturesCommand.self,
        ])

    /// Library errors are user errors: one line on stderr, exit status 1, no stack trace.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as FlecheError {
            fail("\(error)")
        } catch let error as CLIError {
            fail(error.message)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            // Help and --version exit 0 as usual; every usage error exits 1 like the rest.
            if exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fleche: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

/// A user error found by the CLI itself.
struct CLIError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// `--store`, `--cache` and `--json`, shared by every subcommand.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store directory (default: $FLECHE_STORE, else $XDG_CACHE_HOME/fleche, else ~/.cache/fleche).")
    var store: String?

    @Option(name: .long, help: "A cache named in fleche.toml (from the working directory up) instead of a store directory.")
    var cache: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    var root: String { store ?? FileStore.defaultRoot() }

    /// The cache to work on: `--store DIR`, else `--cache NAME`, else what memoized
    /// functions use by default (`$FLECHE_STORE`, else `[default] cache` of fleche.toml,
    /// else the default store). A store must exist: reading never creates one.
    func openCache() throws -> any BaseCache {
        if store != nil, cache != nil { throw CLIError("give --store or --cache, not both") }
        if let cache { return try CacheContext.configuration().cache(named: cache) }
        let fromEnvironment = ProcessInfo.processInfo.environment["FLECHE_STORE"].map { !$0.isEmpty } ?? false
        if store == nil, !fromEnvironment, let configured = try CacheContext.configuration().defaultCache() {
            return configured
        }
        return Cache(store: try FileStore(root: root, create: false))
    }

    /// The one file store behind ``openCache()``: what gc, verify and stats work on.
    func openStore() throws -> FileStore {
        guard let store = fileStore(behind: try openCache()) else {
            throw CLIError("cache '\(cache ?? "default")' is not a single file store; this command works on one store: pass --store DIR or --cache with one layer's name")
        }
        return store
    }

    private func fileStore(behind cache: any BaseCache) -> FileStore? {
        if let plain = cache as? Cache { return plain.store }
        if let wrapper = cache as? any CacheWrapper { return fileStore(behind: wrapper.base) }
        return nil
    }
}

/// Prints a JSON document on stdout.
func printJSON(_ json: JSON) {
    print(json.serialized(pretty: true))
}
