import FlecheCache
import FlecheStore
import FlecheValue

/// Why a call misses: the stored calls of the same function nearest to it, and what differs
/// (``Memoized/explainMiss(_:)``).
public struct MissExplanation: Sendable, CustomStringConvertible {
    /// One way a stored call differs from the call asked about.
    public enum Difference: Sendable, Hashable, CustomStringConvertible {
        /// The module part of the key.
        case module(stored: String?, asked: String?)
        /// The version part of the key.
        case version(stored: String?, asked: String?)
        /// The code digest part of the key.
        case codeDigest(stored: Digest?, asked: Digest?)
        /// An argument's value, by digest; `nil` on the side that has no such argument.
        case argument(name: String, stored: Digest?, asked: Digest?)

        /// One line: the part, its stored value and its value now.
        public var description: String {
            func show(_ text: String?) -> String { text.map { "'\($0)'" } ?? "none" }
            func show(_ digest: Digest?) -> String { digest.map { String($0.hex.prefix(12)) } ?? "absent" }
            switch self {
            case .module(let stored, let asked): return "module \(show(stored)) stored, \(show(asked)) now"
            case .version(let stored, let asked): return "version \(show(stored)) stored, \(show(asked)) now"
            case .codeDigest(let stored, let asked): return "code digest \(show(stored)) stored, \(show(asked)) now"
            case .argument(let name, let stored, let asked):
                return "argument '\(name)': \(show(stored)) stored, \(show(asked)) now"
            }
        }
    }

    /// A stored call of the same function, with what differs.
    public struct NearCall: Sendable {
        /// The stored call's key.
        public var key: Digest
        /// What differs from the call asked about: never empty.
        public var differences: [Difference]
    }

    /// The function's name.
    public var function: String
    /// The key of the call asked about.
    public var key: Digest
    /// Whether that call is stored: a hit, nothing to explain.
    public var isStored: Bool
    /// How many stored calls have the function's name.
    public var storedCallsOfFunction: Int
    /// The nearest of them (fewest differences first; at most ``nearestLimit``).
    public var nearest: [NearCall]

    /// How many near calls an explanation lists.
    public static let nearestLimit = 3

    /// Compares `asked` (under `key`) with `stored`, the stored calls of its function.
    init(function: String, key: Digest, asked: CallRecord, isStored: Bool, stored: [(key: Digest, record: CallRecord)]) {
        self.function = function
        self.key = key
        self.isStored = isStored
        self.storedCallsOfFunction = stored.count
        let candidates = isStored ? [] : stored.filter { $0.key != key }
        self.nearest = candidates
            .map { NearCall(key: $0.key, differences: Self.differences(stored: $0.record, asked: asked)) }
            .filter { !$0.differences.isEmpty }
            .sorted { ($0.differences.count, $0.key.hex) < ($1.differences.count, $1.key.hex) }
            .prefix(Self.nearestLimit)
            .map { $0 }
    }

    /// Every key part in which `stored` differs from `asked`, arguments in the asked order,
    /// then those only the stored call has.
    static func differences(stored: CallRecord, asked: CallRecord) -> [Difference] {
        var out: [Difference] = []
        if stored.module != asked.module { out.append(.module(stored: stored.module, asked: asked.module)) }
        if stored.version != asked.version { out.append(.version(stored: stored.version, asked: asked.version)) }
        if stored.codeDigest != asked.codeDigest { out.append(.codeDigest(stored: stored.codeDigest, asked: asked.codeDigest)) }
        let storedArguments = Dictionary(stored.arguments.map { ($0.name, $0.value.digest) }, uniquingKeysWith: { first, _ in first })
        let askedNames = Set(asked.arguments.map(\.name))
        for argument in asked.arguments where storedArguments[argument.name] != argument.value.digest {
            out.append(.argument(name: argument.name, stored: storedArguments[argument.name], asked: argument.value.digest))
        }
        for argument in stored.arguments where !askedNames.contains(argument.name) {
            out.append(.argument(name: argument.name, stored: argument.value.digest, asked: nil))
        }
        return out
    }

    /// A few lines for a person: the verdict, then each near call and what differs.
    public var description: String {
        let short = String(key.hex.prefix(12))
        if isStored { return "\(function) call \(short) is stored: a hit" }
        guard !nearest.isEmpty else {
            return "\(function) call \(short) is not stored, and no call of \(function) is (the function was never run with this cache, or its calls were evicted)"
        }
        var lines = ["\(function) call \(short) is not stored; the nearest of \(storedCallsOfFunction) stored calls of \(function):"]
        for call in nearest {
            lines.append("  \(call.key.hex.prefix(12)): " + call.differences.map(\.description).joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}

extension MissExplanation {
    /// Why the call `asked` (a record without result: name, module, version, code digest and
    /// arguments) misses in `cache`: what `fleche why` shows.
    /// - Throws: `FlecheError` when the cache cannot be read.
    public static func explain(_ asked: CallRecord, in cache: any BaseCache) throws -> MissExplanation {
        let key = asked.key(using: cache.algorithm)
        let stored = try cache.matchingCalls(CallTemplate(name: asked.name)).map { (key: $0.key, record: $0.record) }
        return MissExplanation(function: asked.name, key: key, asked: asked, isStored: try cache.contains(key), stored: stored)
    }
}

extension MemoizationCore {
    /// Why the call with these arguments misses (or that it does not).
    func explainMiss(encode: ArgumentEncoding) throws -> MissExplanation {
        let prepared = try inspect(encode: encode)
        return try MissExplanation.explain(prepared.record(identity: identity).0, in: prepared.cache)
    }
}
