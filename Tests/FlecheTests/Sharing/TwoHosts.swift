import Foundation
import Testing

/// Two hosts for the sharing tests: network namespaces `a` and `b` joined by a veth pair
/// (10.213.N.1 and 10.213.N.2), made with iproute2 and removed by ``tearDown()``. Where the
/// sandbox refuses network namespaces (not root, no `ip`), both hosts are this machine on
/// loopback, and ``isolated`` says so; CI runs as root and requires the namespaces.
final class TwoHosts {
    /// Whether the hosts are separate network namespaces (else loopback).
    let isolated: Bool
    /// Why the namespaces could not be made, when they could not.
    let refusal: String?
    private let names: (a: String, b: String)
    private let subnet: Int

    init() throws {
        subnet = Int.random(in: 1...250)
        let tag = "\(getpid() % 100_000)-\(subnet)"
        names = ("fleche-a-\(tag)", "fleche-b-\(tag)")
        var refusal: String?
        if getuid() != 0 {
            refusal = "the tests are not root"
        } else if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") && !FileManager.default.isExecutableFile(atPath: "/sbin/ip") {
            refusal = "iproute2 is not installed"
        } else {
            let steps = [
                ["netns", "add", names.a], ["netns", "add", names.b],
                ["link", "add", "veth-a\(subnet)", "netns", names.a, "type", "veth", "peer", "name", "veth-b\(subnet)", "netns", names.b],
                ["-n", names.a, "addr", "add", "10.213.\(subnet).1/24", "dev", "veth-a\(subnet)"],
                ["-n", names.b, "addr", "add", "10.213.\(subnet).2/24", "dev", "veth-b\(subnet)"],
                ["-n", names.a, "link", "set", "veth-a\(subnet)", "up"], ["-n", names.b, "link", "set", "veth-b\(subnet)", "up"],
                ["-n", names.a, "link", "set", "lo", "up"], ["-n", names.b, "link", "set", "lo", "up"],
            ]
            for step in steps {
                let result = try FlecheTests.run("/usr/bin/env", ["ip"] + step)
                if result.status != 0 {
                    refusal = "`ip \(step.joined(separator: " "))` failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
                    break
                }
            }
        }
        self.refusal = refusal
        isolated = refusal == nil
        if !isolated {
            tearDown()
            print("note: two-host tests run on loopback: \(refusal!)")
        }
    }

    /// Host a's address as host b sees it, and b's as a sees it.
    var addressOfA: String { isolated ? "10.213.\(subnet).1" : "127.0.0.1" }
    var addressOfB: String { isolated ? "10.213.\(subnet).2" : "127.0.0.1" }

    /// `command` as a process on host a or b.
    func command(on host: Character, _ command: [String]) -> [String] {
        guard isolated else { return command }
        return ["/usr/bin/env", "ip", "netns", "exec", host == "a" ? names.a : names.b] + command
    }

    /// Runs `arguments` on `host` to completion.
    func run(on host: Character, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let full = command(on: host, arguments)
        return try FlecheTests.run(full[0], Array(full.dropFirst()), environment: environment)
    }

    /// Removes both namespaces (the veth pair goes with them).
    func tearDown() {
        for name in [names.a, names.b] { _ = try? FlecheTests.run("/usr/bin/env", ["ip", "netns", "del", name]) }
    }
}
