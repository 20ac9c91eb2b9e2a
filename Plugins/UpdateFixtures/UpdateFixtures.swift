import Foundation
import PackagePlugin

/// `swift package update-fixtures [--bump-format]`: fills in the expected digests and
/// `.object` files of new cases in the package's `Fixtures/` folder, with the library as this
/// checkout builds it. A maintainer's tool, not a user command: it writes into the package
/// directory, so SwiftPM asks for that permission (or `--allow-writing-to-package-directory`).
///
/// The updater is built when the command runs (not declared as the plugin's tool), so that
/// ordinary builds do not compile the library a second time for the plugin host.
@main
struct UpdateFixtures: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let build = try packageManager.build(
            .product("FixtureUpdater"), parameters: .init(configuration: .debug, logging: .concise))
        guard build.succeeded, let updater = build.builtArtifacts.first(where: { $0.kind == .executable }) else {
            Diagnostics.error("building FixtureUpdater failed:\n\(build.logText)")
            throw UpdateFixturesFailure(status: -1)
        }
        let fixtures = context.package.directoryURL.appending(path: "Fixtures")
        let process = Process()
        process.executableURL = updater.url
        process.arguments = [fixtures.path] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw UpdateFixturesFailure(status: process.terminationStatus)
        }
    }
}

/// The updater refused (a recorded expectation differs) or could not read a fixture; its own
/// message is already on standard error.
struct UpdateFixturesFailure: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "fixture update failed (exit \(status)); see the messages above" }
}
