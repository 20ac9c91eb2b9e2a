import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore

/// Whether this process may mount an XFS image on a loop device: root, `mkfs.xfs` and
/// `filefrag` installed (`make deps`), loop devices present.
let canMountXFS: Bool = {
    getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/loop-control")
        && ["/usr/sbin/mkfs.xfs", "/sbin/mkfs.xfs"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        && ["/usr/sbin/filefrag", "/sbin/filefrag"].contains { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// The trait of tests that mount an XFS file system.
let needsXFS = Testing.ConditionTrait.enabled(
    if: canMountXFS, "needs root, loop devices, mkfs.xfs and filefrag (`make deps` installs xfsprogs and e2fsprogs)")

/// An XFS file system (reflinks on, as `mkfs.xfs` makes it) in a sparse image under a
/// temporary folder, mounted on a loop device until ``unmount()``.
struct LoopMountedXFS {
    let mountPoint: String

    init(in directory: TemporaryDirectory) throws {
        let image = directory.sub("xfs.img")
        mountPoint = directory.sub("xfs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: image, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
        try handle.truncate(atOffset: 320 << 20)
        try handle.close()
        for (program, arguments) in [("/usr/bin/env", ["mkfs.xfs", "-q", "-f", image]), ("/usr/bin/env", ["mount", "-o", "loop", image, mountPoint])] {
            let result = try run(program, arguments)
            try #require(result.status == 0, "\(arguments[0]): \(result.stderr)")
        }
    }

    func unmount() {
        _ = try? run("/usr/bin/env", ["umount", mountPoint])
    }

    /// Whether `filefrag` reports any extent of the file at `path` as shared with another file.
    static func sharesBlocks(_ path: String) throws -> Bool {
        let result = try run("/usr/bin/env", ["filefrag", "-v", path])
        try #require(result.status == 0, "filefrag: \(result.stderr)")
        return result.stdout.contains("shared")
    }
}

/// Writing file results out by cloning the store's blocks, on a file system that can.
@Suite("Clones on XFS")
struct CloneTests {
    @Test("on XFS, a file result written out shares the stored body's blocks and is byte for byte the file; .copy writes blocks of its own", needsXFS)
    func clonedOnXFS() throws {
        let directory = try TemporaryDirectory()
        let xfs = try LoopMountedXFS(in: directory)
        defer { xfs.unmount() }
        let root = xfs.mountPoint + "/store"
        let output = xfs.mountPoint + "/work/out.bin"
        let content = ArtifactResultTests.noise(3 << 20 | 17, seed: 21)
        let runs = Counter()
        func render(_ cache: Cache) -> Memoized<Int, FileArtifact> {
            memoize("render", arguments: ["n"], metadata: [], cache: cache) { (n: Int) -> FileArtifact in
                runs.increment()
                try ArtifactResultTests.write(content, to: output)
                return FileArtifact(output)
            }
        }
        _ = try render(try Cache(root: root))(1)
        let cache = try Cache(root: root)
        let stored = try render(cache)(1)
        #expect(runs.value == 1)
        let body = try #require(stored.content)
        let bodyPath = try #require(cache.fileStore).objects.path(of: body)
        #expect(try !LoopMountedXFS.sharesBlocks(bodyPath))

        let cloned = xfs.mountPoint + "/out/cloned.bin"
        try stored.write(to: cloned)
        #expect(FileManager.default.contents(atPath: cloned) == content)
        #expect(try LoopMountedXFS.sharesBlocks(cloned))
        #expect(try LoopMountedXFS.sharesBlocks(bodyPath))

        let copied = xfs.mountPoint + "/out/copied.bin"
        try stored.write(to: copied, mode: .copy)
        #expect(FileManager.default.contents(atPath: copied) == content)
        #expect(try !LoopMountedXFS.sharesBlocks(copied))
    }
}
