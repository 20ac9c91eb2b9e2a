/// Why a push or pull could not run. Each message says what to do.
public enum SharingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The address is not one rsync understands.
    case badAddress(String, reason: String)
    /// The other side has no `FORMAT`: it is not a store.
    case notAStore(String)
    /// The two stores cannot exchange files: another digest algorithm or format version.
    case incompatible(local: String, remote: String, reason: String)
    /// The `rsync` program is not installed.
    case rsyncMissing(String)
    /// `rsync` failed: its exit status and the last line it wrote on stderr.
    case rsyncFailed(address: String, status: Int32, message: String)

    /// The message `fleche` prints: what went wrong and what to do.
    public var description: String {
        switch self {
        case .badAddress(let address, let reason):
            "'\(address)' is not a store address: \(reason)"
        case .notAStore(let address):
            "\(address) is not a Fleche store (it has no FORMAT); push to it to create one"
        case .incompatible(let local, let remote, let reason):
            "\(local) and \(remote) cannot share calls: \(reason); push to or pull from a store made with the same settings"
        case .rsyncMissing(let executable):
            "rsync was not found (\(executable)); install it (Debian: apt-get install rsync) or set FLECHE_RSYNC to its path"
        case .rsyncFailed(let address, let status, let message):
            "rsync with \(address) failed (exit status \(status)\(Self.meaning(status))): \(message)"
        }
    }

    /// What rsync's exit statuses that users meet most mean (rsync(1), EXIT VALUES).
    private static func meaning(_ status: Int32) -> String {
        switch status {
        case 5: ", the daemon refused the session: check the module name and its access rules"
        case 10: ", the connection failed: is the host reachable and the daemon running?"
        case 12, 255: ", the connection failed: check the host, ssh access and RSYNC_RSH"
        case 23: ", some files were not transferred"
        case 30, 35: ", timed out"
        default: ""
        }
    }
}
