import Fleche
import FlecheValue

/// What code `@Memoized` generates calls: code digests and the uncached fallback.
public enum MemoizedCode {
    /// A function's code digest: its own token digest (computed at compile time), or with
    /// dependencies, the SHA-256 of its own and theirs in order.
    public static func digest(own: String, dependencies: [Digest]) -> Digest {
        guard let ownDigest = Digest(hex: own) else {
            preconditionFailure("@Memoized wrote a code digest that is not hexadecimal: \(own)")
        }
        if dependencies.isEmpty { return ownDigest }
        let text = ([own] + dependencies.map(\.hex)).joined(separator: "\n")
        return DigestAlgorithm.sha256.hash(Array(text.utf8))
    }

    /// Logs that a function which cannot throw runs uncached because its store failed.
    public static func runningUncached(_ name: String, after error: any Error) {
        log.warning("running \(name) uncached: its cache cannot be read", metadata: ["error": "\(error)"])
    }
}
