import ArgumentParser
import Fleche
import Foundation
#if canImport(FlecheS3)
import FlecheS3
#endif

@main
struct FlecheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleche",
        abstract: "Inspect and maintain a Fleche memoization store.",
        version: FlecheLibrary.version,
        subcommands: [
            InitCommand.self, ListCommand.self, ShowCommand.self, CatCommand.self, QueryCommand.self,
            ExpandCommand.self, ShrinkCommand.self, EvictCommand.self, StatsCommand.self, DiskUsageCommand.self, GCCommand.self,
            VerifyCommand.self, TableCommand.self, TransferCommand.self, PushCommand.self, PullCommand.self, RedigestCommand.self,
            WhyCommand.self,
        ])

    /// A command line the parser rejects (an unknown flag, a bad value, a missing argument,
    /// a failed `validate()`) exits 64 with the message and usage, as swift-argument-parser
    /// does; an error in running a valid command (a key that is not there, a store that is
    /// not one) is one line on stderr and exit status 1.
    static func main() {
        #if canImport(FlecheS3)
        S3Store.registerConfigurationTemplate()  // `template = "s3"` in fleche.toml
        #endif
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch let error as FlecheError {
            fail("\(error)")
        } catch let error as CLIError {
            fail(error.message)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            fail("\(error)")
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
    @Option(name: .long, help: "The store directory (default: $FLECHE_STORE, else $XDG_CACHE_HOME/fleche, else ~/.cache/fleche).", completion: .directory)
    var store: String?

    @Option(name: .long, help: "A cache named in fleche.toml (from the working directory up) instead of a store directory.")
    var cache: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if store != nil, cache != nil { throw ValidationError("give --store or --cache, not both") }
    }

    /// The cache these options name (``CacheLocation``).
    var location: CacheLocation {
        get throws { try CacheLocation(store: store, cacheName: cache) }
    }

    /// The cache to work on. A store must exist: reading never creates one.
    func openCache() throws -> any BaseCache { try location.open() }

    /// The one file store behind ``openCache()``: what gc, verify and stats work on.
    func openStore() throws -> FileStore { try location.openFileStore() }

    /// The store gc and verify work on: a file store, or a store that maintains itself
    /// (an S3 store of `fleche.toml`).
    func openForMaintenance() throws -> MaintainedStore {
        let cache = try openCache()
        if let store = cache.fileStore { return .file(store) }
        if let plain = cache as? Cache, let maintained = plain.values as? any StoreMaintenance {
            return .maintained(maintained, calls: plain.calls)
        }
        return .file(try location.openFileStore())  // its error says what is wrong
    }
}

#if canImport(FlecheS3)
extension StoreOptions {
    /// The storages of the S3 cache `--cache` names, if it names one of the `s3` template.
    func s3Storages() throws -> (S3ObjectStorage, S3CallStorage)? {
        guard let cache else { return nil }
        return try s3Cache(named: cache)
    }
}
#endif

/// What `fleche gc` and `verify` work on.
enum MaintainedStore {
    /// A store directory.
    case file(FileStore)
    /// A store elsewhere that collects its garbage and checks itself (S3).
    case maintained(any StoreMaintenance, calls: any CallStorage)
}

/// Prints a JSON document on stdout.
func printJSON(_ json: JSON) {
    print(json.serialized(pretty: true))
}
