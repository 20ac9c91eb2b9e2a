import Foundation
import Testing
import FlecheSystem
@testable import Fleche
@testable import FlecheCache
@testable import FlecheConfig
@testable import FlecheQuery
@testable import FlecheStore
@testable import FlecheSystem
@testable import FlecheValue

/// A fresh directory for one test, under a per-process folder of the system temp dir that
/// is removed when the test process exits.
///
/// Not removed on `deinit`: an optimised build may release a local as soon as its last
/// use, while caches opened at its path are still in use.
final class TemporaryDirectory: Sendable {
    let path: String

    private static let root: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fleche-tests-\(getpid())").path
        atexit { try? FileManager.default.removeItem(atPath: TemporaryDirectory.root) }
        return root
    }()

    init() throws {
        path = Self.root + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func sub(_ name: String) -> String { path + "/" + name }
}

/// Counts how often a memoized body ran.
final class Counter: Sendable {
    private let count = Locked(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

extension Array {
    /// The elements for which `belongs` holds, and the others, each in order.
    func partitioned(by belongs: (Element) -> Bool) -> (matching: [Element], others: [Element]) {
        (filter(belongs), filter { !belongs($0) })
    }
}

/// Every regular file under `root`, relative to it, sorted.
func filesUnder(_ root: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
    var files: [String] = []
    while let item = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
            files.append(item)
        }
    }
    return files.sorted()
}

/// The output and exit status of a finished process.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Finds an executable built by SwiftPM next to the test bundle.
func builtProduct(_ name: String) throws -> String {
    var candidates: [URL] = []
    if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0])
    candidates.append(argument0.deletingLastPathComponent())
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for directory in candidates {
        var current = directory
        for _ in 0..<4 {
            let path = current.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            current = current.deletingLastPathComponent()
        }
    }
    struct NotBuilt: Error, CustomStringConvertible { let description: String }
    throw NotBuilt(description: "cannot find the built product '\(name)' near \(candidates.map(\.path))")
}

/// Starts a process; `wait` it for its result.
func launch(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil
) throws -> RunningProcess {
    let process = Process()
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return RunningProcess(process: process, out: out, err: err)
}

struct RunningProcess {
    let process: Process
    let out: Pipe
    let err: Pipe

    func wait() -> ProcessResult {
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Runs a process to completion.
func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil
) throws -> ProcessResult {
    try launch(executable, arguments, environment: environment, in: directory).wait()
}

/// The acceptance scenarios' `f(i, s)`: `[i * 0.5 + k for k in 0..<10]`, counting its runs.
func scenarioFunction(
    _ cache: (any BaseCache)?, runs: Counter, name: String = "f", version: String? = nil,
    metadata: [any MetadataCollector]? = [RuntimeCollector()]
) -> Memoized<Int, String, [Double]> {
    memoize(name, version: version, arguments: ["i", "s"], metadata: metadata, cache: cache) { (i: Int, s: String) -> [Double] in
        runs.increment()
        return (0..<10).map { Double(i) * 0.5 + Double($0) }
    }
}

/// The expected result of ``scenarioFunction(_:runs:name:version:metadata:)``.
func scenarioResult(_ i: Int) -> [Double] { (0..<10).map { Double(i) * 0.5 + Double($0) } }

/// A cache wrapper that counts the saves that reach it.
final class CountingCache: CacheWrapper {
    let base: any BaseCache
    let saves = Counter()

    init(_ base: any BaseCache) { self.base = base }

    @discardableResult
    func save(_ record: CallRecord, values: [Digest: Value]) throws -> Digest {
        saves.increment()
        return try base.save(record, values: values)
    }
}

/// Expects `body` to throw exactly the ``FlecheError`` case named `kind` (`"rejected"`,
/// `"notFound"`, …), not merely some error: a test of a refusal must fail if the operation
/// fails for another reason.
func expectFlecheError(
    _ kind: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected FlecheError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FlecheError {
        let actual = Mirror(reflecting: error).children.first?.label ?? "\(error)"
        #expect(actual == kind, "expected FlecheError.\(kind), got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected FlecheError.\(kind), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}

/// The `rsync` binary on the PATH, or `nil`: tests that copy stores with it are skipped, with
/// the reason, where it is missing (`make test` installs it).
let rsyncPath: String? = {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(directory)/rsync"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}()

/// The trait of tests that run `rsync`.
let needsRsync = Testing.ConditionTrait.enabled(
    if: rsyncPath != nil, "rsync is not installed: `make deps` (or apt-get install rsync) installs it")

/// The package's own folder (where Package.swift is), found from this file's path.
let packageDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}()
