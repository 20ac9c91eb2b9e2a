import FlecheSystem
import FlecheValue
import Foundation

/// The `rsync` program, run as a child process: Fleche never re-implements its protocol,
/// so every address rsync reaches (local, ssh, daemon) and every option of its own
/// (`RSYNC_RSH`, `RSYNC_PASSWORD`, `~/.ssh/config`) works as users know it.
public struct Rsync: Sendable {
    /// The program: `$FLECHE_RSYNC` if set, else `rsync` found on `PATH`.
    public var executable: String
    /// Seconds without data before rsync gives up (`--timeout`); 0 waits for ever.
    public var ioTimeout: Int
    /// The command that reaches `host:path` addresses (`--rsh`, e.g. `ssh -p 2222 -i key`);
    /// `nil` leaves it to rsync (`$RSYNC_RSH`, else `ssh`).
    public var remoteShell: String?

    /// The rsync named by the environment (`FLECHE_RSYNC`, else `rsync` on `PATH`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, ioTimeout: Int = 120) {
        executable = environment["FLECHE_RSYNC"].flatMap { $0.isEmpty ? nil : $0 } ?? "rsync"
        self.ioTimeout = ioTimeout
    }

    /// What a finished rsync left.
    struct Outcome {
        var status: Int32
        /// The last lines of its standard error (at most 20).
        var errorLines: [String]
        /// The line that says what went wrong: rsync's closing "rsync error: … (code N)",
        /// "rsync warning: …" and "connection unexpectedly closed" only repeat the status,
        /// so the last line before them (the daemon's "@ERROR: …", ssh's message, "rsync:
        /// … failed: …").
        var lastError: String {
            let summaries = ["rsync error:", "rsync warning:", "rsync: connection unexpectedly closed"]
            return errorLines.last { line in !summaries.contains { line.hasPrefix($0) } } ?? errorLines.last ?? "no message"
        }
        /// Whether a source file or directory was missing: the sender says "No such file
        /// or directory" (a local or daemon source exits 3 or 23; over ssh the remote
        /// sender's exit closes the connection first, 12).
        var missingSource: Bool {
            [3, 12, 23, 24].contains(status)
                && errorLines.contains { $0.contains("[sender]") && $0.contains("No such file or directory") }
        }
    }

    /// The options every transfer passes: times kept (the age gc reads), an I/O timeout,
    /// arguments passed to the remote side as they are.
    var commonOptions: [String] {
        ["--times", "--protect-args", "--timeout=\(ioTimeout)"] + (remoteShell.map { ["--rsh=\($0)"] } ?? [])
    }

    /// Runs rsync with `arguments` (file lists go in files, `--files-from=FILE`: a child
    /// that exits early can then never leave us writing to a closed pipe), handing each
    /// line of its standard output to `line`.
    func run(_ arguments: [String], line: (Substring) -> Void = { _ in }) throws -> Outcome {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SharingError.rsyncMissing(executable)
        }
        // Standard error on a thread of its own, so that a child blocked writing it never
        // waits on us reading standard output.
        let group = DispatchGroup()
        let errorText = Locked([UInt8]())
        let errorDescriptor = errors.fileHandleForReading.fileDescriptor
        DispatchQueue.global().async(group: group) {
            try? FileSystem.readUntilEnd(descriptor: errorDescriptor) { bytes in errorText.withLock { $0 += bytes } }
        }
        var pending: [UInt8] = []
        var readError: SystemCallError?
        do {
            try FileSystem.readUntilEnd(descriptor: output.fileHandleForReading.fileDescriptor) { bytes in
                pending += bytes
                var start = 0
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    line(Substring(decoding: pending[start..<newline], as: UTF8.self))
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
        } catch {
            readError = error
        }
        if !pending.isEmpty { line(Substring(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        group.wait()
        if let readError { throw FlecheError.io(path: readError.path, operation: readError.operation, errno: readError.errno.rawValue) }
        let message = errorText.withLock { String(decoding: $0, as: UTF8.self) }
        let lines = message.split(separator: "\n", omittingEmptySubsequences: true).suffix(20).map(String.init)
        // `env` exits 127 when it cannot find the program.
        if process.terminationStatus == 127, !executable.contains("/") { throw SharingError.rsyncMissing(executable) }
        return Outcome(status: process.terminationStatus, errorLines: lines)
    }
}
