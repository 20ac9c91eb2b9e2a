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
        Foundation.kill(-pid, SIGTERM)
        Foundation.kill(pid, SIGTERM)
    }

    /// Kills the process and its session at once (`kill -9`).
    func kill() {
        Foundation.kill(-pid, SIGKILL)
        Foundation.kill(pid, SIGKILL)
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

/// An `rsync --daemon` serving one read-write module, `fleche`, from a folder of the
/// test's: on loopback, or on host b of ``TwoHosts`` (reached from host a); stopped by
/// ``stop()``.
final class RsyncDaemon {
    let port: Int
    let host: String
    let moduleRoot: String
    private let server: DetachedServer

    init(in directory: TemporaryDirectory, hosts: TwoHosts? = nil) throws {
        moduleRoot = directory.sub("module")
        try FileManager.default.createDirectory(atPath: moduleRoot, withIntermediateDirectories: true)
        let isolated = hosts?.isolated ?? false
        port = isolated ? 873 : try freeLoopbackPort()
        host = hosts?.addressOfB ?? "127.0.0.1"
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
        let daemon = [rsyncPath!, "--daemon", "--no-detach", "--config=\(config)", "--address=\(host)", "--port=\(port)",
                      "--log-file=\(directory.sub("rsyncd.log"))"]
        server = try DetachedServer(hosts?.command(on: "b", daemon) ?? daemon, log: directory.sub("rsyncd.out"))
        let probe = [rsyncPath!, "--list-only", "rsync://\(host):\(port)/fleche/"]
        let fromA = hosts?.command(on: "a", probe) ?? probe
        guard waitUntil(seconds: 10, { (try? run(fromA[0], Array(fromA.dropFirst())).status) == 0 }) else {
            stop()
            throw ServerError(description: "the rsync daemon did not answer on port \(port)")
        }
    }

    /// The address of `path` under the module.
    func address(_ path: String) -> StoreAddress { .daemon(url: "rsync://\(host):\(port)/fleche/\(path)") }

    func stop() { server.stop() }
}

/// Where sshd is, and whether this test process may run one (it must be root to take logins).
let sshdPath = "/usr/sbin/sshd"
let canRunSSHD = FileManager.default.isExecutableFile(atPath: sshdPath) && getuid() == 0

/// The trait of tests that run their own sshd.
let needsSSHD = Testing.ConditionTrait.enabled(
    if: canRunSSHD, "sshd is not installed or the tests are not root: `make test` as root installs openssh-server")

/// An sshd that lets in the key it makes, and the `--rsh` command that uses it: on loopback,
/// or on host a of ``TwoHosts`` (reached from host b); stopped by ``stop()``.
final class SSHServer {
    let port: Int
    let host: String
    let remoteShell: String
    private let server: DetachedServer

    init(in directory: TemporaryDirectory, hosts: TwoHosts? = nil) throws {
        let isolated = hosts?.isolated ?? false
        port = isolated ? 22 : try freeLoopbackPort()
        host = hosts?.addressOfA ?? "127.0.0.1"
        for (key, type) in [("host_key", "ed25519"), ("client_key", "ed25519")] {
            let made = try run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-f", directory.sub(key)])
            guard made.status == 0 else { throw ServerError(description: "ssh-keygen: \(made.stderr)") }
        }
        try FileManager.default.copyItem(atPath: directory.sub("client_key.pub"), toPath: directory.sub("authorized_keys"))
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let config = directory.sub("sshd_config")
        try """
            Port \(port)
            ListenAddress \(host)
            HostKey \(directory.sub("host_key"))
            AuthorizedKeysFile \(directory.sub("authorized_keys"))
            PidFile \(directory.sub("sshd.pid"))
            StrictModes no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let sshd = [sshdPath, "-D", "-e", "-f", config]
        server = try DetachedServer(hosts?.command(on: "a", sshd) ?? sshd, log: directory.sub("sshd.log"))
        remoteShell = "ssh -p \(port) -i \(directory.sub("client_key")) -o BatchMode=yes -o StrictHostKeyChecking=no "
            + "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        let probe = ["/usr/bin/env"] + remoteShell.split(separator: " ").map(String.init) + [host, "true"]
        let fromB = hosts?.command(on: "b", probe) ?? probe
        guard waitUntil(seconds: 10, { (try? run(fromB[0], Array(fromB.dropFirst())).status) == 0 }) else {
            stop()
            throw ServerError(description: "sshd did not let the test's key in on port \(port)")
        }
    }

    func stop() { server.stop() }
}
