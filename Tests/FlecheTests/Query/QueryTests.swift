import Foundation
import Testing
@testable import Fleche
@testable import FlecheQuery
@testable import FlecheCache
@testable import FlecheStore
@testable import FlecheValue

@Suite("Queries, tables and transfer")
struct QueryTests {
    /// 20 calls of `f` and 2 of `g` (version "2"), with tags.
    func populated() throws -> (Cache, Memoized<Int, String, [Double]>) {
        let cache = Cache.memory()
        let runs = Counter()
        let f = scenarioFunction(cache, runs: runs, metadata: [RuntimeCollector(), TagsCollector(["project": .string("alpha")])])
        for i in 0..<20 { _ = try f(i, "s") }
        let g = scenarioFunction(cache, runs: runs, name: "g", version: "2")
        for i in 0..<2 { _ = try g(100 + i, "t") }
        return (cache, f)
    }

    @Test("matching by name, argument value, argument digest prefix, result, version and metadata (35, 36)")
    func matching() throws {
        let (cache, _) = try populated()
        #expect(try cache.query(name: "f").count() == 20)
        #expect(try cache.query().count() == 22)
        #expect(try cache.query(arguments: ["i": .equals(3)]).count() == 1)
        let three = String(Value.int(3).digest(using: .sha256).hex.prefix(8))
        #expect(try cache.query(arguments: ["i": .digestPrefix(three)]).count() == 1)
        #expect(try cache.query(result: .equals(scenarioResult(7))).only().argument("i", as: Int.self) == 7)
        #expect(try cache.query(version: "2").count() == 2)
        #expect(try cache.query(version: "3").count() == 0)
        #expect(try cache.query(arguments: ["zzz": .equals(1)]).count() == 0)
        #expect(try cache.query(metadata: ["tags": ["project": .string("alpha")]]).count() == 20)
        #expect(try cache.query(metadata: ["tags": ["project": nil]]).count() == 20)
        #expect(try cache.query(metadata: ["tags": ["run": nil]]).count() == 0)
        #expect(try cache.query(metadata: ["nope": [:]]).count() == 0)
        let code = Value.string("func h() {}").digest(using: .sha256)
        _ = try memoize("h", codeDigest: code, cache: cache) { () -> Int in 1 }()
        #expect(try cache.query(CallTemplate(codeDigest: code)).only().name == "h")
        #expect(try cache.query(CallTemplate(codeDigest: Value.int(0).digest(using: .sha256))).isEmpty)
    }

    @Test("count() on a file store reads only the members a template tests, and agrees with calls()")
    func countOnFileStore() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        let f = scenarioFunction(cache, runs: runs, metadata: [RuntimeCollector(), TagsCollector(["project": .string("alpha")])])
        for i in 0..<20 { _ = try f(i, "s") }
        let g = scenarioFunction(cache, runs: runs, name: "g", version: "2")
        for i in 0..<2 { _ = try g(100 + i, "t") }
        let three = String(Value.int(3).digest(using: .sha256).hex.prefix(8))
        let cases: [(CallTemplate, Int)] = [
            (CallTemplate(), 22),
            (CallTemplate(name: "f"), 20),
            (CallTemplate(name: "f", module: "FlecheTests"), 20),
            (CallTemplate(module: "Elsewhere"), 0),
            (CallTemplate(version: "2"), 2),
            (CallTemplate(arguments: ["i": try .equals(3)]), 1),
            (CallTemplate(arguments: ["i": .digestPrefix(three)]), 1),
            (CallTemplate(result: try .equals(scenarioResult(7))), 1),
            (CallTemplate(metadata: ["tags": ["project": .string("alpha")]]), 20),
            (CallTemplate(name: "g", metadata: ["tags": [:]]), 0),
        ]
        for (template, expected) in cases {
            #expect(try cache.query(template).count() == expected, "\(template)")
            #expect(try cache.query(template).calls().count == expected, "\(template)")
        }
        // A corrupt manifest is skipped by both, and a transformed query counts its calls.
        let victim = try f.digest(0, "s")
        try Data("{\"fleche_call\": 1, \"name\": \"f\", \"arguments\": [".utf8)
            .write(to: URL(fileURLWithPath: cache.store!.calls.path(of: victim)))
        #expect(try cache.query(name: "f").count() == 19)
        #expect(try cache.query(name: "f").calls().count == 19)
        #expect(try cache.query(name: "f").take(5).count() == 5)
    }

    @Test("only, sorted, take, skip, unique, grouped, latest and oldest (37)")
    func combinators() throws {
        let (cache, _) = try populated()
        let f = cache.query(name: "f")
        #expect(throws: QueryError.severalResults(20)) { try f.only() }
        #expect(throws: QueryError.noResults) { try cache.query(name: "nope").only() }
        let top = try f.sorted(byArgument: "i", as: Int.self, descending: true).take(3).calls()
        #expect(try top.map { try $0.argument("i", as: Int.self) } == [19, 18, 17])
        let ascending = f.sorted(byArgument: "i", as: Int.self)
        #expect(try ascending.skip(18).calls().map { try $0.argument("i", as: Int.self) } == [18, 19])
        #expect(try ascending.skip(30).isEmpty)
        #expect(try cache.query().unique(byArgument: "s").count() == 2)
        let groups = try cache.query().grouped { $0.name }
        #expect(groups.map(\.key).sorted() == ["f", "g"])
        #expect(groups.first { $0.key == "f" }?.calls.count == 20)
        let parity = try f.grouped { try $0.argument("i", as: Int.self) % 2 }
        #expect(parity.map(\.calls.count) == [10, 10])
        #expect(try f.filter { try $0.argument("i", as: Int.self) < 5 }.count() == 5)
        // Calls ran in order 0…19, so timestop orders them.
        #expect(try f.latest().argument("i", as: Int.self) == 19)
        #expect(try f.oldest().argument("i", as: Int.self) == 0)
        #expect(throws: QueryError.noResults) { try cache.query(name: "nope").latest() }
        let untimed = Cache.memory()
        try untimed.save(Call(name: "h", result: .int(1)))
        #expect(throws: QueryError.noRuntimeMetadata) { try untimed.query().latest() }
        #expect(try f.results(as: [Double].self).count == 20)
    }

    @Test("a query is lazy and re-iterable: it reflects the cache when read")
    func lazy() throws {
        let (cache, f) = try populated()
        let query = cache.query(name: "f")
        #expect(try query.count() == 20)
        try cache.evict(f.digest(0, "s"))
        #expect(try query.count() == 19)
        _ = try f(50, "s")
        #expect(try query.count() == 20)
    }

    @Test("a stray or unreadable file in calls/ is skipped, never breaks a query")
    func strayFiles() throws {
        let directory = try TemporaryDirectory()
        let cache = try Cache(root: directory.path)
        let runs = Counter()
        for i in 0..<3 { _ = try scenarioFunction(cache, runs: runs)(i, "s") }
        try FileManager.default.createDirectory(atPath: directory.sub("calls/zz"), withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: directory.sub("calls/zz/notes.txt")))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: directory.sub("calls/README")))
        let victim = try cache.calls.keys()[0]
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: cache.store!.calls.path(of: victim)))
        #expect(try cache.query().count() == 2)
        #expect(try cache.table().keys.count == 2)
    }

    @Test("table: name, module, metadata columns, requested arguments (a_ on collision), results; text and CSV (38)")
    func table() throws {
        let (cache, _) = try populated()
        let table = try cache.query(name: "f").table()
        #expect(table.keys.count == 20 && table.keys.allSatisfy { $0.count >= 4 })
        #expect(Array(table.columns.prefix(2)) == ["name", "module"])
        for column in ["timestart", "timestop", "walltime", "cputime", "project"] { #expect(table.columns.contains(column)) }
        #expect(table.column("project")?.allSatisfy { $0 == .string("alpha") } == true)
        #expect(table.column("timestop")?.first?.stringValue?.contains("T") == true)

        let withArguments = try cache.query(name: "f").table(arguments: ["i", "name"], results: true)
        #expect(withArguments.columns.contains("result") && withArguments.columns.contains("i"))
        #expect(withArguments.columns.contains("a_name"))
        #expect(withArguments.column("a_name")?.allSatisfy(\.isNull) == true)
        let firstRow = try #require(withArguments.column("i")?.first?.int64Value)
        #expect(withArguments.column("result")?.first == (try Value(encoding: scenarioResult(Int(firstRow)))).plainJSON)
        #expect(try cache.table(arguments: .all).columns.suffix(2) == ["i", "s"])

        let text = withArguments.text().split(separator: "\n")
        #expect(text.count == 21 && text[0].hasPrefix("key"))
        let csv = withArguments.csv().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(csv.count == 22 && csv[0].hasPrefix("key,name,module,result,"))
        #expect(csv[1].contains("\"[")) // a result with commas is quoted
        #expect(withArguments.json.arrayValue?.count == 20)

        let empty = try Cache.memory().table()
        #expect(empty.keys.isEmpty && empty.columns.isEmpty && empty.text() == "key")
    }

    @Test("transfer between two file stores: skip by default, overwrite, pop only what moved, rejected by read-only (39)")
    func transfer() throws {
        let sourceDirectory = try TemporaryDirectory()
        let targetDirectory = try TemporaryDirectory()
        let source = try Cache(root: sourceDirectory.path)
        let target = try Cache(root: targetDirectory.path)
        let runs = Counter()
        let tagged = { (tag: String) in
            memoize("f", arguments: ["i"], metadata: [TagsCollector(["side": .string(tag)])]) { (i: Int) -> [Int] in
                runs.increment()
                return Array(repeating: i, count: 100)
            }
        }
        try withCache(source) { for i in 0..<4 { _ = try tagged("source")(i) } }
        try withCache(target) { _ = try tagged("target")(0) }
        let key0 = try withCache(source) { try tagged("x").digest(0) }

        let report = try source.transfer(to: target)
        #expect(report.transferred.count == 3 && report.skippedExisting == [key0])
        #expect(try target.load(key0).metadata["tags"]?["side"] == .string("target"))
        #expect(try target.query().count() == 4)
        for call in try target.query().calls() {
            #expect(try call.result(as: [Int].self) == Array(repeating: call.argument("i", as: Int.self), count: 100))
        }
        #expect(try Set(target.store!.objects.keys()) == Set(source.store!.objects.keys()))

        let overwritten = try source.transfer(to: target, overwrite: true)
        #expect(overwritten.transferred.count == 4)
        #expect(try target.load(key0).metadata["tags"]?["side"] == .string("source"))

        // pop removes only what was transferred: a conflicting call stays in the source.
        let thirdDirectory = try TemporaryDirectory()
        let third = try Cache(root: thirdDirectory.path)
        try withCache(third) { _ = try tagged("third")(1) }
        let popped = try source.transfer(to: third, pop: true)
        #expect(popped.popped.count == 3 && popped.skippedExisting.count == 1)
        #expect(try source.query().only().argument("i", as: Int.self) == 1)

        expectFlecheError("rejected") { try target.transfer(to: source.readonly()) }
    }
}
