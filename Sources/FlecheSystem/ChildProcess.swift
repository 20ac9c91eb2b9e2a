#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif
import CSpawn

/// A program run to its end as a child process (`posix_spawnp`, then `waitpid`), its
/// standard output and standard error handed over as they arrive.
///
/// Foundation's `Process` waits for a child by polling its run loop every 50 ms, which
/// costs a push of five rsync runs a quarter of a second; this returns when the child
/// exits. The child gets `/dev/null` as standard input, the two pipes, and no other
/// descriptor of this process (a store's lock files stay ours). A signal the parent
/// ignores (`SIGPIPE`) is reset to its default for the child.
package enum ChildProcess {
    /// Runs `program` (a path, or a name looked up on `PATH`) with `arguments` and this
    /// process's environment; returns its exit status, or 128 plus the signal that ended it.
    /// Both streams are read together, so a child that fills one never blocks on the other.
    /// - Throws: ``SystemCallError`` when the program cannot be started (`ENOENT` when
    ///   it does not exist) or a pipe fails.
    /// With `stopper`, another thread may end the child early (``Stopper/stop()``).
    package static func run(
        _ program: String, arguments: [String], stopper: Stopper? = nil, output: ([UInt8]) -> Void, errors: ([UInt8]) -> Void
    ) throws(SystemCallError) -> Int32 {
        let stdout = try pipe(for: program)
        let stderr: (read: Int32, write: Int32)
        do {
            stderr = try pipe(for: program)
        } catch {
            close(stdout.read)
            close(stdout.write)
            throw error
        }
        var readEnds = [stdout.read, stderr.read]
        defer { for fd in readEnds where fd >= 0 { close(fd) } }
        let pid: pid_t
        do {
            defer { close(stdout.write); close(stderr.write) }
            pid = try spawn(program, arguments: arguments, stdout: stdout.write, stderr: stderr.write)
        }
        stopper?.started(pid)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var failure: SystemCallError?
        while failure == nil, readEnds.contains(where: { $0 >= 0 }) {
            var polled = readEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                failure = FileSystem.failure(program, "poll", RawCalls.lastError)
                break
            }
            for (index, entry) in polled.enumerated() where entry.fd >= 0 && entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    (index == 0 ? output : errors)(Array(buffer[0..<count]))
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    if count < 0 { failure = FileSystem.failure(program, "read", RawCalls.lastError) }
                    close(entry.fd)
                    readEnds[index] = -1
                }
            }
        }
        for index in readEnds.indices where readEnds[index] >= 0 {
            close(readEnds[index])  // a child still writing gets EPIPE rather than blocking our wait
            readEnds[index] = -1
        }
        let status = wait(for: pid, stopper: stopper)
        if let failure { throw failure }
        return status
    }

    private static func pipe(for program: String) throws(SystemCallError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard fleche_pipe_cloexec(&ends) == 0 else { throw FileSystem.failure(program, "pipe", RawCalls.lastError) }
        return (ends[0], ends[1])
    }

    private static func spawn(_ program: String, arguments: [String], stdout: Int32, stderr: Int32) throws(SystemCallError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Where the C library cannot (ENOSYS), descriptors opened without O_CLOEXEC leak;
        // every descriptor the package opens has it.
        _ = fleche_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        // ETXTBSY: a script just written is still open for writing in a child that another
        // thread forked a moment ago (it closes on that child's exec). Transient: try again.
        var result = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        var pause: useconds_t = 1_000
        while result == ETXTBSY, pause <= 256_000 {
            usleep(pause)
            pause *= 2
            result = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        }
        guard result == 0 else { throw FileSystem.failure(program, "spawn", Errno(rawValue: result)) }
        return pid
    }

    /// The child's exit status (128 + signal when a signal ended it). The child is reaped
    /// only after `stopper` forgets it: until then its process ID cannot be reused, so a
    /// ``Stopper/stop()`` meanwhile never signals another process.
    private static func wait(for pid: pid_t, stopper: Stopper?) -> Int32 {
        if let stopper {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            stopper.forget()
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 127 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Ends a child that ``run(_:arguments:stopper:output:errors:)`` runs on another thread:
    /// ``stop()`` sends it `SIGTERM`, at once or as soon as it starts (rsync then ends the
    /// processes it started and exits with status 20).
    package final class Stopper: Sendable {
        private let state = Locked<(pid: pid_t?, stopped: Bool)>((nil, false))

        package init() {}

        /// Ends the child now, or when it starts.
        package func stop() {
            state.withLock { state in
                if let pid = state.pid { kill(pid, SIGTERM) }
                state.stopped = true
            }
        }

        fileprivate func started(_ pid: pid_t) {
            state.withLock { state in
                state.pid = pid
                if state.stopped { kill(pid, SIGTERM) }
            }
        }

        fileprivate func forget() { state.withLock { $0.pid = nil } }
    }
}
