import Fleche
import FlecheConfig
import FlecheSystem
import Foundation
import Testing
@testable import FlecheS3

/// `template = "s3"` in `fleche.toml`: a stack of a local store in front of S3 from the
/// file, and the `fleche` command on an S3 cache.
@Suite("S3 caches in fleche.toml")
struct S3ConfigurationFileTests {
    func configurationText(_ server: SeaweedServer, _ location: S3Location) -> String {
        """
        [team]
        template = "s3"
        endpoint = "\(server.endpoint)"
        bucket = "\(location.bucket)"
        prefix = "\(location.prefix)"

        [local]
        template = "file"
        root = "store"

        [[layered]]
        cache = "local"
        [[layered]]
        cache = "team"
        """
    }

    @Test("a [[layered]] stack of a local store and an S3 cache: hits back-fill, misses land locally")
    func stackFromFile() throws {
        let server = try SeaweedServer.shared()
        let location = try server.freshLocation()
        let published = try S3Store(location: location, credentials: server.credentials)
        let runs = Runs()
        func double(_ cache: any BaseCache) -> Memoized<Int, [Int]> {
            memoize("double", arguments: ["n"], metadata: [], cache: cache) { (n: Int) in
                runs.add()
                return [Int](repeating: n * 2, count: 100)
            }
        }
        _ = try double(published.cache)(1)

        let folder = try temporaryFolder()
        setenv("AWS_ACCESS_KEY_ID", server.credentials.accessKeyID, 1)
        setenv("AWS_SECRET_ACCESS_KEY", server.credentials.secretAccessKey, 1)
        S3Store.registerConfigurationTemplate()
        let configuration = try FlecheConfiguration(text: configurationText(server, location), path: folder + "/fleche.toml")
        let stack = try configuration.cache(named: "layered")
        #expect(try double(stack)(1).first == 2)
        #expect(runs.value == 1)
        #expect(try configuration.cache(named: "local").contains(double(stack).digest(1)))
        #expect(try double(stack)(5).first == 10)
        #expect(runs.value == 2)
        #expect(try !published.cache.contains(double(stack).digest(5)))
    }

    @Test("mistakes in an s3 table are errors naming the file, the cache and what to write")
    func mistakes() throws {
        S3Store.registerConfigurationTemplate()
        let folder = try temporaryFolder()
        func error(_ text: String) -> String {
            do {
                _ = try FlecheConfiguration(text: text, path: folder + "/fleche.toml").cache(named: "team")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("[team]\ntemplate = \"s3\"\nendpoint = \"http://127.0.0.1:1\"\n").contains("cache 'team': an s3 cache needs bucket = \"NAME\""))
        #expect(error("[team]\ntemplate = \"s3\"\nbucket = \"team\"\nendpoint = \"localhost:8333\"\n").contains("http://host:port"))
        #expect(error("[team]\ntemplate = \"s3\"\nbucket = \"team\"\npath_style = \"yes\"\n").contains("path_style must be true or false"))
        #expect(error("[team]\ntemplate = \"s3\"\nbucket = \"team\"\nregoin = \"x\"\n").contains("unknown setting 'regoin'"))
        #expect(error("[team]\ntemplate = \"gcs\"\n").contains("unknown template 'gcs'; known: file, memory, s3, void"))
        // An s3 key on a table of another template is a mistake, not ignored.
        #expect(error("[team]\ntemplate = \"file\"\nroot = \"x\"\nbucket = \"team\"\n").contains("unknown setting 'bucket'"))
    }

    @Test("the fleche command lists, shows, prints and queries an S3 cache of fleche.toml")
    func commandLine() throws {
        let server = try SeaweedServer.shared()
        let location = try server.freshLocation()
        let store = try S3Store(location: location, credentials: server.credentials)
        let square = memoize("square", arguments: ["n"], metadata: [], cache: store.cache) { (n: Int) in
            (0..<n).map { $0 * $0 }
        }
        for n in [3, 100, 200] { _ = try square(n) }
        let folder = try temporaryFolder()
        try Data(configurationText(server, location).utf8).write(to: URL(fileURLWithPath: folder + "/fleche.toml"))
        let fleche = try flecheExecutable()
        func run(_ arguments: String...) throws -> (status: Int32, output: String) {
            try runProgram(fleche, arguments, environment: server.credentialVariables, in: folder)
        }
        let ls = try run("ls", "--cache", "team")
        #expect(ls.status == 0, "\(ls.output)")
        #expect(ls.output.components(separatedBy: "square").count - 1 == 3, "\(ls.output)")
        let key = try square.digest(100)
        let show = try run("show", String(key.hex.prefix(10)), "--cache", "team")
        #expect(show.status == 0 && show.output.contains("square"), "\(show.output)")
        let query = try run("query", "--cache", "team", "--name", "square", "--arg", "n=200")
        #expect(query.status == 0 && query.output.components(separatedBy: "square").count - 1 == 1, "\(query.output)")
        let verify = try run("verify", "--cache", "team")
        #expect(verify.status == 0 && verify.output.contains("checked 3 calls"), "\(verify.output)")
        let gc = try run("gc", "--cache", "team", "--dry-run")
        #expect(gc.status == 0 && gc.output.contains("would remove 0 of"), "\(gc.output)")
        let budget = try run("gc", "--cache", "team", "--max-size", "1K", "--dry-run")
        #expect(budget.status == 0 && budget.output.contains(" least recently used calls: ") && budget.output.contains("would evict "), "\(budget.output)")
        let local = try Cache(root: folder + "/store")
        let cube = memoize("cube", arguments: ["n"], metadata: [], cache: local) { (n: Int) in (0..<n).map { $0 * $0 * $0 } }
        _ = try cube(50)
        let transfer = try run("transfer", "local", "team")
        #expect(transfer.status == 0, "\(transfer.output)")
        #expect(try store.cache.contains(cube.digest(50)))  // published: what CI does after its run
        _ = try cube(60)
        let push = try run("push", "team", "--cache", "local")
        #expect(push.status == 0 && push.output.hasPrefix("sent 1 calls and 1 objects"), "\(push.output)")
        #expect(try store.cache.contains(cube.digest(60)))
        let again = try run("push", "team", "--cache", "local")
        #expect(again.status == 0 && again.output.hasPrefix("sent 0 calls"), "\(again.output)")
        // Pull, push of a selection, dry runs, stats, du, redigest on the S3 cache.
        let dryPush = try run("push", "team", "--cache", "local", "--name", "cube", "--dry-run")
        #expect(dryPush.status == 0 && dryPush.output.hasPrefix("would send 0 calls"), "\(dryPush.output)")
        _ = try cube(70)
        let selected = try run("push", "team", "--cache", "local", "--name", "square", "--json")
        #expect(selected.status == 0 && selected.output.contains("\"existing_calls\""), "\(selected.output)")
        #expect(try !store.cache.contains(cube.digest(70)))  // not of the selection
        let pulledRoot = folder + "/pulled"
        let dryPull = try run("pull", "team", "--store", pulledRoot, "--name", "square", "--dry-run")
        #expect(dryPull.status == 0 && dryPull.output.hasPrefix("would receive 3 calls and "), "\(dryPull.output)")
        #expect(!FileManager.default.fileExists(atPath: pulledRoot))
        let pull = try run("pull", "team", "--store", pulledRoot)
        #expect(pull.status == 0 && pull.output.hasPrefix("received 5 calls"), "\(pull.output)")
        let pulled = try Cache(root: pulledRoot)
        #expect(try pulled.contains(square.digest(200)) && pulled.contains(cube.digest(60)) && !pulled.contains(cube.digest(70)))
        let stats = try run("stats", "--cache", "team")
        #expect(stats.status == 0 && stats.output.contains("calls              5") && stats.output.contains("square"), "\(stats.output)")
        let du = try run("du", "--cache", "team", "--json")
        #expect(du.status == 0 && du.output.contains("\"square\""), "\(du.output)")
        let zero = try run("stats", "--cache", "team", "--zero")
        #expect(zero.status == 1 && zero.output.contains("S3 stores keep no counters"), "\(zero.output)")
        let redigest = try run("redigest", "--cache", "team")
        #expect(redigest.status == 0 && redigest.output.contains("re-keyed 0 calls"), "\(redigest.output)")
        let initialized = try run("init", "--cache", "team")
        #expect(initialized.status == 0 && initialized.output.hasPrefix("store s3://\(location.bucket)/\(location.prefix) (sha256"), "\(initialized.output)")
        let backwards = try run("push", folder + "/elsewhere", "--cache", "team")
        #expect(backwards.status == 1 && backwards.output.contains("fleche pull team --store DIR"), "\(backwards.output)")
        let intoS3 = try run("pull", folder + "/store", "--cache", "team")
        #expect(intoS3.status == 1 && intoS3.output.contains("fleche push team --store DIR"), "\(intoS3.output)")
        for command in [["cat", String(key.hex.prefix(10))], ["table", "--name", "square"], ["expand", String(key.hex.prefix(6))],
                        ["shrink", key.hex], ["why", "square", "--arg", "n=5"]] {
            let answer = try runProgram(fleche, command + ["--cache", "team"], environment: server.credentialVariables, in: folder)
            #expect(answer.status == 0, "\(command): \(answer.output)")
        }
        let evict = try run("evict", key.hex, "--cache", "team")
        #expect(try evict.status == 0 && !store.cache.contains(key), "\(evict.output)")
        let wrong = try runProgram(
            fleche, ["ls", "--cache", "team"],
            environment: ["AWS_ACCESS_KEY_ID": server.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": "wrong"], in: folder)
        #expect(wrong.status == 1 && wrong.output.hasPrefix("fleche: S3 GET") && wrong.output.contains("HTTP 403"), "\(wrong.output)")
    }
}
