import FlecheStore

/// Where a store lives, as `rsync` reaches it.
///
/// Parsed by rsync's own rules, so an address means to Fleche what it means to rsync:
/// `rsync://host[:port]/module/path` (or `host::module/path`) is an rsync daemon,
/// `[user@]host:path` (a colon before any slash) is a path on a host reached over ssh
/// (`RSYNC_RSH` chooses the ssh command and its options), anything else a local directory
/// (write `./a:b` for a local name with a colon).
public enum StoreAddress: Sendable, Hashable, CustomStringConvertible {
    /// A store directory on this machine (absolute).
    case local(String)
    /// A store directory on `host` (`user@host` allowed), reached over ssh.
    case ssh(host: String, path: String)
    /// A store under an rsync daemon's module: `rsync://host[:port]/module/path`.
    case daemon(url: String)

    /// Parses an address as rsync does.
    /// - Throws: ``SharingError/badAddress(_:reason:)`` for an empty address, a host
    ///   without a path or a daemon address without a module.
    public init(parsing text: String) throws {
        guard !text.isEmpty else { throw SharingError.badAddress(text, reason: "it is empty") }
        if text.hasPrefix("rsync://") {
            let rest = text.dropFirst("rsync://".count)
            let parts = rest.split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count >= 2 else {
                throw SharingError.badAddress(text, reason: "a daemon address is rsync://HOST/MODULE/PATH (give the module)")
            }
            self = .daemon(url: "rsync://" + parts.joined(separator: "/"))
            return
        }
        let firstColon = text.firstIndex(of: ":")
        let firstSlash = text.firstIndex(of: "/")
        guard let colon = firstColon, firstSlash.map({ colon < $0 }) ?? true else {
            self = .local(FileStore.absolute(text))
            return
        }
        let host = String(text[..<colon])
        var path = String(text[text.index(after: colon)...])
        guard !host.isEmpty else { throw SharingError.badAddress(text, reason: "the host before ':' is empty") }
        if path.hasPrefix(":") {  // host::module/path
            path.removeFirst()
            guard !path.isEmpty, !path.hasPrefix("/") else {
                throw SharingError.badAddress(text, reason: "a daemon address is HOST::MODULE/PATH (give the module)")
            }
            self = .daemon(url: "rsync://\(host)/" + path.split(separator: "/").joined(separator: "/"))
            return
        }
        guard !path.isEmpty else {
            throw SharingError.badAddress(text, reason: "give the store's path after '\(host):' (host:~/store for the home folder)")
        }
        self = .ssh(host: host, path: path)
    }

    /// Whether the store is on this machine.
    public var isLocal: Bool {
        if case .local = self { return true }
        return false
    }

    /// The store directory as an rsync argument, with a trailing slash (its contents).
    var rsyncRoot: String {
        switch self {
        case .local(let path): path.hasSuffix("/") ? path : path + "/"
        case .ssh(let host, let path): "\(host):" + (path.hasSuffix("/") ? path : path + "/")
        case .daemon(let url): url + "/"
        }
    }

    /// The source argument and file-list entries that fetch `paths` (relative to the store)
    /// from it. A daemon is asked from its module's root with each path as
    /// `inner/path/./relative`: rsync 3.5 loses a file list's files when the source is a
    /// folder inside a module ("file has vanished"), and `/./` keeps only what follows it on
    /// the receiving side.
    func fetchArguments(_ paths: [String]) -> (source: String, list: [String]) {
        guard case .daemon(let url) = self else { return (rsyncRoot, paths) }
        let parts = url.dropFirst("rsync://".count).split(separator: "/")
        let moduleRoot = "rsync://" + parts.prefix(2).joined(separator: "/") + "/"
        let inner = parts.dropFirst(2).joined(separator: "/")
        guard !inner.isEmpty else { return (moduleRoot, paths) }
        return (moduleRoot, paths.map { "\(inner)/./\($0)" })
    }

    /// The address as a user writes it.
    public var description: String {
        switch self {
        case .local(let path): path
        case .ssh(let host, let path): "\(host):\(path)"
        case .daemon(let url): url
        }
    }
}
