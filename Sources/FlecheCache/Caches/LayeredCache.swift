import FlecheStore
import FlecheValue
/// A cache made of several caches (``CacheStack``, ``CachePool``).
///
/// Every request that fans out over the layers goes through one of three traversals, the
/// only place where fan-out lives:
/// - `firstHit(_:)`: ask each layer in order, return the first answer that is not a miss;
/// - `collect(_:)`: ask every layer, keep every answer that is not a miss;
/// - `forEachLayer(_:)`: apply to every layer, ignoring misses and refusals.
public protocol LayeredCache: BaseCache {
    /// The member caches, first (front) to last.
    var layers: [any BaseCache] { get }
}

extension LayeredCache {
    /// The first answer of `operation` that is not a miss, with the index of its layer;
    /// ``FlecheError/notFound(key:)`` (the last miss) when every layer misses.
    /// A layer whose service does not answer (`RemoteStorageError.isOutage`: an S3 server
    /// that is down) counts as a miss, with a warning, so the stack goes on without it.
    func firstHit<R>(_ operation: (any BaseCache) throws -> R) throws -> (R, layer: Int) {
        var lastMiss: FlecheError?
        for (index, layer) in layers.enumerated() {
            do {
                return (try operation(layer), index)
            } catch let error as FlecheError where error.isMiss {
                lastMiss = error
            } catch let error as any RemoteStorageError where error.isOutage && layers.count > 1 {
                Self.warnOutage(layer: index, error)
            }
        }
        throw lastMiss ?? FlecheError.notFound(key: "")
    }

    /// Every answer of `operation` that is not a miss, in layer order (a layer that is out,
    /// as in ``firstHit(_:)``, answers nothing).
    func collect<R>(_ operation: (any BaseCache) throws -> R) throws -> [R] {
        var answers: [R] = []
        for (index, layer) in layers.enumerated() {
            do {
                answers.append(try operation(layer))
            } catch let error as FlecheError where error.isMiss {
                continue
            } catch let error as any RemoteStorageError where error.isOutage && layers.count > 1 {
                Self.warnOutage(layer: index, error)
            }
        }
        return answers
    }

    private static func warnOutage(layer: Int, _ error: any Error) {
        log.warning("a cache layer is not answering; going on without it", metadata: ["layer": "\(layer)", "error": "\(error)"])
    }

    /// Applies `operation` to every layer; misses and refusals (a read-only layer) are
    /// expected and ignored, other errors propagate after every layer was tried.
    func forEachLayer(_ operation: (any BaseCache) throws -> Void) throws {
        var failure: (any Error)?
        for layer in layers {
            do {
                try operation(layer)
            } catch let error as FlecheError where error.isMiss {
                continue
            } catch FlecheError.rejected {
                continue
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// Checks what every layered cache needs: at least one layer, one digest algorithm.
    static func validate(_ layers: [any BaseCache], kind: String) throws {
        guard let first = layers.first else { throw FlecheError.invalidArguments("a \(kind) needs at least one cache") }
        if let other = layers.first(where: { $0.algorithm != first.algorithm }) {
            throw FlecheError.invalidArguments(
                "every cache of a \(kind) must use one digest algorithm: \(first.algorithm.rawValue) and \(other.algorithm.rawValue) are mixed")
        }
    }
}

// Defaults shared by stacks and pools.
extension LayeredCache {
    public var algorithm: DigestAlgorithm { layers[0].algorithm }
    public var inlineLimit: Int { layers[0].inlineLimit }

    public func loadValue(_ key: Digest) throws -> Value { try firstHit { try $0.loadValue(key) }.0 }
    public func loadObject(_ key: Digest) throws -> Value { try firstHit { try $0.loadObject(key) }.0 }

    /// True if any layer has the call.
    public func contains(_ key: Digest) throws -> Bool {
        try layers.contains { try $0.contains(key) }
    }

    /// The union over every layer, so prefixes expand and shrink against all of them
    /// (value keys included).
    public func keys(withPrefix prefix: String) throws -> [Digest] {
        Array(Set(try collect { try $0.keys(withPrefix: prefix) }.joined()))
    }

    public func callKeys() throws -> [Digest] {
        Array(Set(try collect { try $0.callKeys() }.joined()))
    }

    /// The union of every layer's matches, in layer order, each key once (from the first
    /// layer that has it).
    public func matchingCalls(_ template: CallTemplate) throws -> [LazyCall] {
        var seen = Set<Digest>()
        return try collect { try $0.matchingCalls(template) }.joined().filter { seen.insert($0.key).inserted }
    }
}
