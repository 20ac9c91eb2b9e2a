import FlecheStore
import FlecheValue

extension FuzzTarget {
    /// A key as a user types it (`fleche show 3fa9`, a query's digest prefix): a full digest
    /// parses to itself; a prefix expands to the one stored key it names or fails with a
    /// `FlecheError` that says why; and the shortest prefixes `ls` prints expand back.
    package static let digestPrefix = FuzzTarget(name: "prefix") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        for algorithm in DigestAlgorithm.allCases {
            if let digest = Digest(hex: text) {
                try require(digest.hex == text.lowercased(), "Digest(hex:) of \(text) prints as \(digest.hex)")
            }
            let stored = PrefixKeys.stored(near: text, algorithm: algorithm)
            switch Result(catching: { try KeyResolution.expand(text, algorithm: algorithm) { prefix in stored.filter { $0.hex.hasPrefix(prefix) } } }) {
            case .success(let key):
                try require(key.hex.hasPrefix(text.lowercased()), "\(text) expands to \(key.hex)")
                try require(key.hex.utf8.count == algorithm.hexLength, "\(text) expands to a key of the wrong length")
            case .failure(let error):
                try require(PrefixKeys.isRefusal(error), "\(text) fails with \(error)")
            }
            // The keys that share the input's prefix, where shortest prefixes get long.
            let near = Array(stored.dropFirst(PrefixKeys.spread(algorithm).count))
            guard let prefixes = try? KeyResolution.shrink(near, algorithm: algorithm, candidates: { prefix in stored.filter { $0.hex.hasPrefix(prefix) } }) else {
                return try require(false, "shrink fails on distinct stored keys")
            }
            for (key, prefix) in zip(near, prefixes) {
                let back = try? KeyResolution.expand(prefix, algorithm: algorithm) { p in stored.filter { $0.hex.hasPrefix(p) } }
                try require(back == key, "the shortest prefix \(prefix) of \(key.hex) does not expand back")
            }
        }
    }
}

/// Stored keys for the prefix target: a fixed spread, and a few that share the input's hex
/// prefix, so that inputs meet unique, ambiguous and missing prefixes alike.
enum PrefixKeys {
    /// Whether `error` is one of the ways a typed key is refused.
    static func isRefusal(_ error: any Error) -> Bool {
        switch error as? FlecheError {
        case .invalidKey?, .prefixTooShort?, .notFound?, .ambiguousPrefix?: true
        default: false
        }
    }

    /// 64 keys spread over the key space, per algorithm (computed once).
    static func spread(_ algorithm: DigestAlgorithm) -> [Digest] {
        algorithm == .sha256 ? spreadSHA256 : spreadXXH3
    }
    private static let spreadSHA256 = (0..<64).map { DigestAlgorithm.sha256.hash([UInt8($0)]) }
    private static let spreadXXH3 = (0..<64).map { DigestAlgorithm.xxh3.hash([UInt8($0)]) }

    /// The spread, then up to three keys that start with the input's hex.
    static func stored(near text: String, algorithm: DigestAlgorithm) -> [Digest] {
        var keys = spread(algorithm)
        let lower = text.lowercased()
        if Hex.isHex(lower), lower.utf8.count < algorithm.hexLength {
            for seed in 0..<3 {
                let tail = algorithm.hash([UInt8(seed), 0xFF]).hex
                let hex = lower + tail.dropFirst(lower.utf8.count)
                if let key = Digest(hex: hex), !keys.contains(key) { keys.append(key) }
            }
        }
        return keys
    }
}
