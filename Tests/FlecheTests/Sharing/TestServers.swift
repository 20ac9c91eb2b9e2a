import Foundation
import Testing
@testable import FlecheSharing

/// A free TCP port on loopback, as the kernel hands one out.
func freeLoopbackPort() throws -> Int {
    let probe = try run("/usr/bin/env", ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
    guard let port = Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw ServerError(description: "no free port: \(probe.stderr)")
    }
    return port
}

struct ServerError: Error, CustomStringConvertible { let description: String }

/// A server started apart from the test process: Foundation's `Process` watches its
/// children from one thread that blocks in `wait4` on a live server after a `SIGCHLD`, which
/// stalls every other process a test waits for; so servers start through Python (a new
/// session, no inherited descriptors, output to a log file), and stop by signal.
struct DetachedServer {
    let pid: Int32

    init(_ arguments: [String], log: String) throws {
        let script = """
            import subprocess, sys
            log = open(sys.argv[1], "ab")
            print(subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True, close_fds=True).pid)
            """
        let started = try run("/usr/bin/env", ["python3", "-c", script, log] + arguments)
        guard started.status == 0, let pid = Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ServerError(description: "could not start \(arguments[0]): \(started.stderr)")
        }
        self.pid = pid
    }

    /// Stops the server and its session (sshd's per-connection children too).
    func stop() {
        kill(-pid, SIGTERM)
        kill(pid, SIGTERM)
    }
}

/// Waits until `check` succeeds (a server answers), for at most `seconds`.
func waitUntil(seconds: Double, _ check: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if check() { return true }
        usleep(50_000)
    }
    return check()
}

/// An `rsync --daemon` on loopback serving one read-write module, `fleche`, from a folder
/// of the test's; stopped by ``stop()``.
final class RsyncDaemon {
    let port: Int
    let moduleRoot: String
    private let server: DetachedServer

    init(in directory: TemporaryDirectory) throws {
        moduleRoot = directory.sub("module")
        try FileManager.default.createDirectory(atPath: moduleRoot, withIntermediateDirectories: true)
        port = try freeLoopbackPort()
        let config = directory.sub("rsyncd.conf")
        try """
            pid file = \(directory.sub("rsyncd.pid"))
            use chroot = no
            uid = \(getuid())
            gid = \(getgid())
            [fleche]
                path = \(moduleRoot)
                read only = no
            """.write(toFile: config, atomically: true, encoding: .utf8)
        server = try DetachedServer(
            [rsyncPath!, "--daemon", "--no-detach", "--config=\(config)", "--address=127.0.0.1", "--port=\(port)",
             "--log-file=\(directory.sub("rsyncd.log"))"],
            log: directory.sub("rsyncd.out"))
        let url = "rsync://127.0.0.1:\(port)/fleche/"
        guard waitUntil(seconds: 10, { (try? run(rsyncPath!, ["--list-only", url]).status) == 0 }) else {
            stop()
            throw ServerError(description: "the rsync daemon did not answer on port \(port)")
        }
    }

    /// The address of `path` under the module.
    func address(_ path: String) -> StoreAddress { .daemon(url: "rsync://127.0.0.1:\(port)/fleche/\(path)") }

    func stop() { server.stop() }
}

/// Where sshd is, and whether this test process may run one (it must be root to take logins).
let sshdPath = "/usr/sbin/sshd"
let canRunSSHD = FileManager.default.isExecutableFile(atPath: sshdPath) && getuid() == 0

/// The trait of tests that run their own sshd.
let needsSSHD = Testing.ConditionTrait.enabled(
    if: canRunSSHD, "sshd is not installed or the tests are not root: `make test` as root installs openssh-server")

/// An sshd on loopback that lets in the key it makes, and the `--rsh` command that uses it;
/// stopped by ``stop()``.
final class SSHServer {
    let port: Int
    let remoteShell: String
    private let server: DetachedServer

    init(in directory: TemporaryDirectory) throws {
        port = try freeLoopbackPort()
        for (key, type) in [("host_key", "ed25519"), ("client_key", "ed25519")] {
            let made = try run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-f", directory.sub(key)])
            guard made.status == 0 else { throw ServerError(description: "ssh-keygen: \(made.stderr)") }
        }
        try FileManager.default.copyItem(atPath: directory.sub("client_key.pub"), toPath: directory.sub("authorized_keys"))
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let config = directory.sub("sshd_config")
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory.sub("host_key"))
            AuthorizedKeysFile \(directory.sub("authorized_keys"))
            PidFile \(directory.sub("sshd.pid"))
            StrictModes no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            """.write(toFile: config, atomically: true, encoding: .utf8)
        server = try DetachedServer([sshdPath, "-D", "-e", "-f", config], log: directory.sub("sshd.log"))
        remoteShell = "ssh -p \(port) -i \(directory.sub("client_key")) -o BatchMode=yes -o StrictHostKeyChecking=no "
            + "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        let probe = remoteShell.split(separator: " ").map(String.init)
        guard waitUntil(seconds: 10, { (try? run("/usr/bin/env", probe + ["127.0.0.1", "true"]).status) == 0 }) else {
            stop()
            throw ServerError(description: "sshd did not let the test's key in on port \(port)")
        }
    }

    func stop() { server.stop() }
}
