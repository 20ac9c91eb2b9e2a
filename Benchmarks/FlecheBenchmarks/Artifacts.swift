import Fleche
import Foundation

/// `FlecheBenchmarks artifacts DIR N`: file and directory arguments. A tree of N files
/// (about 1 KiB each, in 100 folders) and a 1 GiB file are written under DIR once; then,
/// in rounds that interleave each measure with its floor, medians of:
/// - hashing the 1 GiB file (a fresh stat cache each time) against `sha256sum` and
///   `openssl dgst -sha256` of it, and against reading it alone;
/// - describing the tree with a fresh stat cache (every file read) and again with the same
///   cache (the stat-cache path), against a walk of the tree with `readdir` and `lstat`;
/// - a memoized call whose argument is the unchanged tree (a hit).
/// Prints a Markdown table and a JSON line of the medians.
enum ArtifactBenchmark {
    static let rounds = 5
    static let bigSize = 1 << 30

    static func run(root: String, files count: Int) throws {
        let tree = root + "/tree"
        let big = root + "/big.bin"
        try prepare(tree: tree, files: count, big: big)

        var samples: [String: [Double]] = [:]
        func sample(_ name: String, _ body: () throws -> Void) rethrows {
            samples[name, default: []].append(try seconds(body))
        }
        let cache = Cache(store: try FileStore(root: root + "/store"))
        let digests = FileDigestCache(file: nil)
        let calls = memoize("count", arguments: ["folder"], metadata: [], cache: cache) { (folder: DirectoryArtifact) -> Int in
            folder.path.map { _ in 1 } ?? 0
        }
        _ = try FileDigestCache.$current.withValue(digests) { try calls(DirectoryArtifact(tree)) }
        for _ in 0..<rounds {
            try sample("sha256sum_1GiB") { try runProgram("/usr/bin/sha256sum", [big]) }
            try sample("openssl_1GiB") { try runProgram("/usr/bin/openssl", ["dgst", "-sha256", big]) }
            try sample("hash_1GiB") {
                _ = try FileArtifact(big).described(using: .sha256, cache: FileDigestCache(file: nil))
            }
            try sample("read_1GiB") { try readAll(big) }
            try sample("walk_floor") { _ = try walk(tree) }
            try sample("tree_first") {
                _ = try DirectoryArtifact(tree).described(using: .sha256, cache: FileDigestCache(file: nil, settleTime: 0))
            }
            try sample("tree_unchanged") { _ = try DirectoryArtifact(tree).described(using: .sha256, cache: digests) }
            try sample("tree_hit") {
                _ = try FileDigestCache.$current.withValue(digests) { try calls(DirectoryArtifact(tree)) }
            }
        }
        let median = samples.mapValues { $0.sorted()[$0.count / 2] }
        func ms(_ name: String) -> String { String(format: "%.1f ms", median[name]! * 1000) }
        func ratio(_ a: String, _ b: String) -> Double { median[a]! / median[b]! }
        let gib = Double(bigSize) / Double(1 << 30)
        print("""
            | measure | Fleche | against | ratio | target |
            |---|---|---|---|---|
            | hash a 1 GiB file (SHA-256, fresh stat cache) | \(ms("hash_1GiB")) (\(String(format: "%.2f", gib / median["hash_1GiB"]!)) GiB/s) | `sha256sum` \(ms("sha256sum_1GiB")) | \(String(format: "%.2f×", ratio("hash_1GiB", "sha256sum_1GiB"))) | ≤ 1.2×: \(ratio("hash_1GiB", "sha256sum_1GiB") <= 1.2 ? "met" : "MISSED") |
            | the same | | `openssl dgst -sha256` \(ms("openssl_1GiB")) | \(String(format: "%.2f×", ratio("hash_1GiB", "openssl_1GiB"))) | ≤ 1.2×: \(ratio("hash_1GiB", "openssl_1GiB") <= 1.2 ? "met" : "MISSED") |
            | the same file read alone (1 MiB reads) | \(ms("read_1GiB")) | - | - | - |
            | \(count) files, first time (every file read, both cores) | \(ms("tree_first")) | walk (`readdir` + `lstat`) \(ms("walk_floor")) | \(String(format: "%.1f×", ratio("tree_first", "walk_floor"))) | - |
            | \(count) files, unchanged (stat cache) | \(ms("tree_unchanged")) | walk \(ms("walk_floor")) | \(String(format: "%.2f×", ratio("tree_unchanged", "walk_floor"))) | ≤ 2×: \(ratio("tree_unchanged", "walk_floor") <= 2 ? "met" : "MISSED") |
            | memoized call on the unchanged tree (hit) | \(ms("tree_hit")) | walk \(ms("walk_floor")) | \(String(format: "%.2f×", ratio("tree_hit", "walk_floor"))) | ≤ 3×: \(ratio("tree_hit", "walk_floor") <= 3 ? "met" : "MISSED") |
            """)
        print(JSON.object(median.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) }).serialized())
        try ArtifactResultBenchmark.run(root: root, big: big, rounds: rounds)
    }

    /// `FlecheBenchmarks profile-tree DIR N`: only the unchanged tree, 50 descriptions and
    /// 50 memoized hits, for `perf record`.
    static func profileTree(root: String, files count: Int) throws {
        let tree = root + "/tree"
        try prepare(tree: tree, files: count, big: nil)
        let digests = FileDigestCache(file: nil)
        let cache = Cache(store: try FileStore(root: root + "/store"))
        let calls = memoize("count", arguments: ["folder"], metadata: [], cache: cache) { (folder: DirectoryArtifact) -> Int in 1 }
        try FileDigestCache.$current.withValue(digests) {
            for _ in 0..<50 { _ = try DirectoryArtifact(tree).described(using: .sha256, cache: digests) }
            for _ in 0..<50 { _ = try calls(DirectoryArtifact(tree)) }
        }
    }

    /// Writes the tree and the big file unless they are there, then waits until both are
    /// older than the stat cache's settle time.
    static func prepare(tree: String, files count: Int, big: String?) throws {
        var generator = SystemRandomNumberGenerator()
        if !FileManager.default.fileExists(atPath: tree + "/done") {
            for index in 0..<count {
                let folder = tree + "/part-\(index % 100)"
                if index < 100 { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                let row = "row \(index), \(generator.next()), some more text to make a kilobyte of it\n"
                try Data(String(repeating: row, count: 1024 / row.utf8.count + 1).utf8)
                    .write(to: URL(fileURLWithPath: folder + "/file-\(index).csv"))
            }
            try Data().write(to: URL(fileURLWithPath: tree + "/done"))
        }
        if let big, !FileManager.default.fileExists(atPath: big) {
            var block = [UInt64](repeating: 0, count: (1 << 20) / 8)
            guard let handle = FileHandle(forWritingAtPath: big) ?? {
                _ = FileManager.default.createFile(atPath: big, contents: nil)
                return FileHandle(forWritingAtPath: big)
            }() else { throw BenchmarkError("cannot write \(big)") }
            for _ in 0..<(bigSize >> 20) {
                for i in block.indices { block[i] = generator.next() }
                try handle.write(contentsOf: block.withUnsafeBytes { Data($0) })
            }
            try handle.close()
        }
        Thread.sleep(forTimeInterval: 2.5)
    }

    /// `readdir` and `lstat` of every entry: what describing an unchanged tree cannot skip.
    static func walk(_ path: String) throws -> Int {
        guard let directory = opendir(path) else { throw BenchmarkError("opendir \(path)") }
        defer { closedir(directory) }
        var count = 0
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(directory) {
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { throw BenchmarkError("lstat \(child)") }
            count += (info.st_mode & S_IFMT) == S_IFDIR ? try walk(child) : 1
        }
        return count
    }

    /// Reads a file to its end in 1 MiB pieces.
    static func readAll(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchmarkError("open \(path)") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while read(fd, buffer, 1 << 20) > 0 {}
    }

    /// Runs a program to its end with its output discarded (`posix_spawn` and `waitpid`:
    /// Foundation's `Process` would add up to 50 ms of run-loop polling to its time).
    static func runProgram(_ path: String, _ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { throw BenchmarkError("cannot run \(path)") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw BenchmarkError("\(path) failed") }
    }
}
