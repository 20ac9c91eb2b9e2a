import Testing
@testable import FlecheSharing

@Suite("store addresses follow rsync's rules")
struct StoreAddressTests {
    @Test("the three forms", arguments: [
        ("/srv/fleche", StoreAddress.local("/srv/fleche"), "/srv/fleche/"),
        ("build:/srv/fleche", .ssh(host: "build", path: "/srv/fleche"), "build:/srv/fleche/"),
        ("ci@10.0.0.2:cache/fleche", .ssh(host: "ci@10.0.0.2", path: "cache/fleche"), "ci@10.0.0.2:cache/fleche/"),
        ("rsync://10.0.0.2/fleche/team", .daemon(url: "rsync://10.0.0.2/fleche/team"), "rsync://10.0.0.2/fleche/team/"),
        ("rsync://10.0.0.2:8873/fleche/", .daemon(url: "rsync://10.0.0.2:8873/fleche"), "rsync://10.0.0.2:8873/fleche/"),
        ("10.0.0.2::fleche/team", .daemon(url: "rsync://10.0.0.2/fleche/team"), "rsync://10.0.0.2/fleche/team/"),
    ])
    func forms(text: String, address: StoreAddress, argument: String) throws {
        let parsed = try StoreAddress(parsing: text)
        #expect(parsed == address)
        #expect(parsed.rsyncRoot == argument)
    }

    @Test("a colon after a slash is part of a local path")
    func colonAfterSlash() throws {
        guard case .local(let path) = try StoreAddress(parsing: "./a:b") else {
            Issue.record("not local")
            return
        }
        #expect(path.hasSuffix("/./a:b"))
    }

    @Test("addresses rsync would not understand are refused, saying why", arguments: [
        ("", "empty"), ("host:", "give the store's path"), (":path", "host before ':' is empty"),
        ("rsync://host", "give the module"), ("host::", "give the module"),
    ])
    func refused(text: String, reason: String) {
        do {
            _ = try StoreAddress(parsing: text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }
}

@Suite("rsync arguments for fetching from each form")
struct FetchArgumentTests {
    @Test("a daemon is asked from its module's root with /./ before the store's own paths")
    func daemonFetch() throws {
        let address = try StoreAddress(parsing: "rsync://h:8873/fleche/team/store")
        let (source, list) = address.fetchArguments(["FORMAT", "objects/ab/cd"])
        #expect(source == "rsync://h:8873/fleche/")
        #expect(list == ["team/store/./FORMAT", "team/store/./objects/ab/cd"])
        let top = try StoreAddress(parsing: "rsync://h/fleche")
        #expect(top.fetchArguments(["FORMAT"]).source == "rsync://h/fleche/" && top.fetchArguments(["FORMAT"]).list == ["FORMAT"])
        let ssh = try StoreAddress(parsing: "h:store")
        #expect(ssh.fetchArguments(["FORMAT"]) == ("h:store/", ["FORMAT"]))
    }
}
