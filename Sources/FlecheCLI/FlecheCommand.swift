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
            VerifyCommand.self, FixturesCommand.self,
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

/// `--store` and `--json`, shared by every subcommand.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store directory (default: $FLECHE_STORE, else $XDG_CACHE_HOME/fleche, else ~/.cache/fleche).")
    var store: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    var root: String { store ?? FileStore.defaultRoot() }

    /// Opens the existing store (never creates one).
    func open() throws -> (FileStore, Cache) {
        let store = try FileStore(root: root, create: false)
        return (store, Cache(store: store))
    }
}

/// Prints a JSON document on stdout.
func printJSON(_ json: JSON) {
    print(json.serialized(pretty: true))
}
