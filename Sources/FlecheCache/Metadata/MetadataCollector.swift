import FlecheStore
import FlecheSystem
import FlecheValue
import Foundation

/// Records facts about one call under a name in its metadata (never part of its key).
///
/// `begin()` runs just before the body, and the closure it returns just after; the closure's
/// fields are stored under ``name``.
public protocol MetadataCollector: Sendable {
    var name: String { get }
    func begin() -> @Sendable () -> [String: JSON]
}

/// Timing of the body: `timestart`/`timestop` (seconds since 1970), `walltime`, and the
/// process's user (`cputime`) and system (`systime`) CPU seconds spent meanwhile.
public struct RuntimeCollector: MetadataCollector {
    /// `runtime`: the metadata section this collector fills.
    public let name = "runtime"
    /// A collector of start, stop, wall and CPU time.
    public init() {}

    /// Notes the start time and CPU time; the returned closure adds the stop time, wall and CPU seconds.
    public func begin() -> @Sendable () -> [String: JSON] {
        let start = Date().timeIntervalSince1970
        let startClock = DispatchTime.now().uptimeNanoseconds
        let startUsage = Self.usage()
        return {
            let wall = Double(DispatchTime.now().uptimeNanoseconds - startClock) / 1e9
            let usage = Self.usage()
            return [
                "timestart": .double(start),
                "timestop": .double(start + wall),
                "walltime": .double(wall),
                "cputime": .double(max(0, usage.user - startUsage.user)),
                "systime": .double(max(0, usage.system - startUsage.system)),
            ]
        }
    }

    private static func usage() -> (user: Double, system: Double) {
        var own = rusage()
        var children = rusage()
        #if os(Linux)
        getrusage(Int32(RUSAGE_SELF.rawValue), &own)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        #else
        getrusage(RUSAGE_SELF, &own)
        getrusage(RUSAGE_CHILDREN, &children)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (seconds(own.ru_utime) + seconds(children.ru_utime), seconds(own.ru_stime) + seconds(children.ru_stime))
    }
}

/// Where the call ran: `hostname`, `username`, `cwd`, `fleche_version`, `os`.
public struct EnvironmentCollector: MetadataCollector {
    /// `environment`: the metadata section this collector fills.
    public let name = "environment"
    /// A collector of the host, user, working directory and versions.
    public init() {}

    /// Reads the environment once per call; the fields it returns do not change during the call.
    public func begin() -> @Sendable () -> [String: JSON] {
        let process = ProcessInfo.processInfo
        let fields: [String: JSON] = [
            "hostname": .string(process.hostName),
            "username": .string(process.environment["USER"] ?? NSUserName()),
            "cwd": .string(FileManager.default.currentDirectoryPath),
            "fleche_version": .string(FlecheLibrary.version),
            "os": .string(process.operatingSystemVersionString),
        ]
        return { fields }
    }
}

/// The git state of the working directory: `root`, `commit`, `branch`, `dirty` (all null
/// outside a repository). Runs `git` a few times per call, so it is opt-in.
public struct GitCollector: MetadataCollector {
    /// `git`: the metadata section this collector fills.
    public let name = "git"
    /// A collector of the working directory's git commit, branch and dirty flag.
    public init() {}

    /// Reads the repository once per call, at its start.
    public func begin() -> @Sendable () -> [String: JSON] {
        let root = Self.git("rev-parse", "--show-toplevel")
        let fields: [String: JSON]
        if let root {
            let status = Self.git("status", "--porcelain", "--untracked-files=no")
            fields = [
                "root": .string(root),
                "commit": Self.git("rev-parse", "HEAD").map(JSON.string) ?? .null,
                "branch": Self.git("rev-parse", "--abbrev-ref", "HEAD").map(JSON.string) ?? .null,
                "dirty": status.map { .bool(!$0.isEmpty) } ?? .null,
            ]
        } else {
            fields = ["root": .null, "commit": .null, "branch": .null, "dirty": .null]
        }
        return { fields }
    }

    private static func git(_ arguments: String...) -> String? {
        var output: [UInt8] = []
        guard let status = try? ChildProcess.run("git", arguments: arguments, output: { output += $0 }, errors: { _ in }),
              status == 0
        else { return nil }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Fixed user-given fields, e.g. `TagsCollector(["project": "alpha"])`.
public struct TagsCollector: MetadataCollector {
    /// `tags`: the metadata section this collector fills.
    public let name = "tags"
    /// The fields recorded with every call.
    public let tags: [String: JSON]
    /// A collector that records `tags` with every call.
    public init(_ tags: [String: JSON]) { self.tags = tags }
    /// Returns the fixed tags.
    public func begin() -> @Sendable () -> [String: JSON] {
        let tags = self.tags
        return { tags }
    }
}
