import Foundation
import Testing
@testable import FlecheSystem

@Suite("Child processes")
struct ChildProcessTests {
    /// Runs a shell script; returns its status, standard output and standard error.
    func shell(_ script: String) throws -> (status: Int32, output: String, errors: String) {
        var output: [UInt8] = [], errors: [UInt8] = []
        let status = try ChildProcess.run("sh", arguments: ["-c", script], output: { output += $0 }, errors: { errors += $0 })
        return (status, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    @Test("the exit status and both streams come back, each to its own handler")
    func statusAndStreams() throws {
        let result = try shell("echo out; echo err >&2; exit 3")
        #expect(result.status == 3)
        #expect(result.output == "out\n")
        #expect(result.errors == "err\n")
        #expect(try shell("true").status == 0)
    }

    @Test("a child that fills standard error before writing its output does not block")
    func bothPipesDrained() throws {
        // 1 MiB on standard error, then 1 MiB on standard output: a parent that read only
        // standard output until its end would wait for ever on a child blocked on a full pipe.
        let result = try shell("head -c 1048576 /dev/zero | tr '\\0' e >&2; head -c 1048576 /dev/zero | tr '\\0' o")
        #expect(result.status == 0)
        #expect(result.errors.utf8.count == 1_048_576)
        #expect(result.output.utf8.count == 1_048_576)
    }

    @Test("a signal that ends the child is 128 plus its number")
    func killedBySignal() throws {
        #expect(try shell("kill -9 $$").status == 128 + 9)
    }

    @Test("a program that does not exist is an ENOENT error from spawn, not a crash")
    func missingProgram() throws {
        let error = #expect(throws: SystemCallError.self) {
            try ChildProcess.run("fleche-no-such-program", arguments: [], output: { _ in }, errors: { _ in })
        }
        #expect(error?.operation == "spawn")
        #expect(error?.errno == .noSuchFileOrDirectory)
    }

    @Test("a script still open for writing (ETXTBSY, as when another thread forked meanwhile) runs once it is closed")
    func textFileBusy() throws {
        let directory = try TemporaryDirectory()
        let script = directory.sub("busy.sh")
        let descriptor = open(script, O_WRONLY | O_CREAT | O_CLOEXEC, 0o755)
        #expect(descriptor >= 0)
        let text = "#!/bin/sh\necho ran\n"
        #expect(write(descriptor, text, text.utf8.count) == text.utf8.count)
        let closer = Thread {
            usleep(50_000)
            close(descriptor)
        }
        closer.start()
        var output: [UInt8] = []
        let status = try ChildProcess.run(script, arguments: [], output: { output += $0 }, errors: { _ in })
        #expect(status == 0)
        #expect(String(decoding: output, as: UTF8.self) == "ran\n")
    }

    @Test("the child reads /dev/null and inherits no descriptor but the three standard ones")
    func descriptors() throws {
        // A descriptor this process holds without O_CLOEXEC (as a lock file might be).
        let path = NSTemporaryDirectory() + "/fleche-child-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let held = open(path, O_RDONLY)
        #expect(held > 2)
        defer { close(held) }
        let result = try shell("cat; ls /proc/self/fd")
        // `ls` opens its own descriptor for the listing, which it also prints.
        let listed = Set(result.output.split(separator: "\n").compactMap { Int32($0) })
        #expect(listed.isSuperset(of: [0, 1, 2]))
        #expect(!listed.contains(held))
        #expect(listed.count <= 4)
    }

    @Test("SIGPIPE is reset to its default in the child, whatever the parent ignores")
    func sigpipeDefault() throws {
        signal(SIGPIPE, SIG_IGN)
        // The child's ignored signals, a hex mask: SIGPIPE (13) is bit 12.
        let result = try shell("grep SigIgn /proc/self/status")
        let mask = try #require(result.output.split(separator: "\t").last.flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) })
        #expect(mask & (1 << 12) == 0)
    }
}

@Suite("Stopping a child process")
struct ChildProcessStopperTests {
    @Test("stop() from another thread ends a running child with SIGTERM")
    func stopRunning() throws {
        let stopper = ChildProcess.Stopper()
        let started = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            started.wait()
            stopper.stop()
        }
        // The child says it started, then sleeps far longer than any test runs.
        let status = try ChildProcess.run("sh", arguments: ["-c", "echo up; exec sleep 600"], stopper: stopper, output: { _ in started.signal() }, errors: { _ in })
        #expect(status == 128 + 15)
    }

    @Test("a stop before the child starts ends it as soon as it does; a finished child is never signalled")
    func stopEarlyAndLate() throws {
        let early = ChildProcess.Stopper()
        early.stop()
        #expect(try ChildProcess.run("sleep", arguments: ["600"], stopper: early, output: { _ in }, errors: { _ in }) == 128 + 15)

        let late = ChildProcess.Stopper()
        #expect(try ChildProcess.run("true", arguments: [], stopper: late, output: { _ in }, errors: { _ in }) == 0)
        late.stop()  // the child is gone and forgotten: nothing is signalled
    }
}
