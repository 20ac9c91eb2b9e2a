import Foundation
import PackagePlugin

/// Turns the package's top-level `Fixtures/` folder into Swift Testing tests for the target
/// it is applied to: one test per golden digest, call key and object file.
///
/// Every fixture file is an input of the build command, so editing one regenerates the
/// tests on the next build. A symlink `Tests/FlecheTests/Fixtures -> ../../Fixtures` makes a
/// newly added file part of the target, which makes SwiftPM plan this plugin again.
@main
struct DigestFixtures: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let fixtures = context.package.directoryURL.appending(path: "Fixtures")
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedFixtureTests.swift")
        var inputs: [URL] = [fixtures]
        if let enumerator = FileManager.default.enumerator(at: fixtures, includingPropertiesForKeys: nil) {
            for case let url as URL in enumerator { inputs.append(url) }
        }
        return [
            .buildCommand(
                displayName: "Generating fixture tests from \(fixtures.path)",
                executable: try context.tool(named: "FixtureGen").url,
                arguments: [fixtures.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }
}
