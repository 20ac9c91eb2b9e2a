import Foundation
import Testing
@testable import FlecheSystem

@Suite("Directory listing")
struct DirectoryListingTests {
    /// readdir's records are as long as their names, not as `d_name`'s declared 256 bytes;
    /// reading a name must stop at its NUL. The old copy of the whole field read past the
    /// record that ends a batch of `getdents` when that record lies near the end of the
    /// stream's buffer, which thousands of names of mixed lengths make certain: under
    /// AddressSanitizer (`make test-sanitized`) this test failed with that copy.
    @Test("entries lists 4,000 names of mixed lengths (1 to 255 bytes) and non-ASCII names, exactly")
    func namesOfEveryLength() throws {
        let folder = try TemporaryDirectory()
        var expected: Set<String> = []
        for index in 0..<4_000 {
            let tag = String(index)
            let length = max(tag.count, 1 + (index * 97) % 255)
            expected.insert(tag + String(repeating: "n", count: length - tag.count))
        }
        expected.insert("é日本")
        for name in expected {
            #expect(FileManager.default.createFile(atPath: folder.sub(name), contents: nil), "\(name.count)")
        }
        let listed = try #require(try FileSystem.entries(folder.path))
        #expect(listed.count == expected.count)
        #expect(Set(listed) == expected)
        #expect(try FileSystem.entries(folder.sub("missing")) == nil)
    }
}
