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
    /// With `stopper`, another thread may end it early.
    func run(_ arguments: [String], stopper: ChildProcess.Stopper? = nil, line: (Substring) -> Void = { _ in }) throws -> Outcome {
        var pending: [UInt8] = []
        var errorText: [UInt8] = []
        let status: Int32
        do {
            status = try ChildProcess.run(executable, arguments: arguments, stopper: stopper, output: { bytes in
                pending += bytes
                var start = 0
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    line(Substring(decoding: pending[start..<newline], as: UTF8.self))
                    start = newline + 1
                }
                pending.removeFirst(start)
            }, errors: { errorText += $0 })
        } catch where error.operation == "spawn" && [.noSuchFileOrDirectory, .permissionDenied].contains(error.errno) {
            throw SharingError.rsyncMissing(executable)
        } catch {
            throw FlecheError.io(path: error.path, operation: error.operation, errno: error.errno.rawValue)
        }
        if !pending.isEmpty { line(Substring(decoding: pending, as: UTF8.self)) }
        let lines = String(decoding: errorText, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true).suffix(20).map(String.init)
        return Outcome(status: status, errorLines: lines)
    }
}
