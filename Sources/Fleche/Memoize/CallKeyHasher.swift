import Synchronization

/// Computes a memoized function's call keys with the digests of the parts that never change
/// (name, module, version, code, argument names) computed once per algorithm.
///
/// The key is the Merkle digest of ``CallRecord/keyValue(name:module:version:codeDigest:arguments:)``;
/// rebuilding that value and hashing all ten or so of its nodes on every call was a tenth of
/// a hit (measured with perf). Here a call hashes only what depends on its arguments.
final class CallKeyHasher: Sendable {
    private struct Constants {
        /// The `Call` record shell, for field order and names.
        let shell: Value
        /// Digests of the name, module, version and code fields, in the shell's field order
        /// (the arguments field is last).
        let fieldDigests: [Digest]
        /// Digest of each argument name string.
        var argumentNames: [String: Digest]
    }

    private let identity: FunctionIdentity
    private let constants = Mutex<[DigestAlgorithm: Constants]>([:])

    init(identity: FunctionIdentity) { self.identity = identity }

    func key(arguments: [(String, Digest)], algorithm: DigestAlgorithm) -> Digest {
        var table = constants.withLock { table in
            if table[algorithm] == nil { table[algorithm] = makeConstants(algorithm) }
            return table[algorithm]!
        }
        var pairDigests: [Digest] = []
        pairDigests.reserveCapacity(arguments.count)
        var newNames = false
        for (name, digest) in arguments {
            let nameDigest: Digest
            if let known = table.argumentNames[name] {
                nameDigest = known
            } else {
                nameDigest = Value.string(name).digest(using: algorithm)
                table.argumentNames[name] = nameDigest
                newNames = true
            }
            pairDigests.append(Value.array([.null, .null]).containerDigest(using: algorithm, childDigests: [nameDigest, digest]))
        }
        if newNames { constants.withLock { $0[algorithm] = table } }
        let argumentsDigest = Value.array([]).containerDigest(using: algorithm, childDigests: pairDigests)
        return table.shell.containerDigest(using: algorithm, childDigests: table.fieldDigests + [argumentsDigest])
    }

    private func makeConstants(_ algorithm: DigestAlgorithm) -> Constants {
        let full = CallRecord.keyValue(
            name: identity.name, module: identity.module, version: identity.version,
            codeDigest: identity.codeDigest, arguments: [])
        guard case .record(_, let fields) = full else { preconditionFailure("the key value is a record") }
        // The arguments field must be last, so that its digest can be appended.
        let fixed = fields.filter { $0.name != "arguments" }
        let shell = Value.record(type: "Call", fields: fixed + [.init(name: "arguments", value: .array([]))])
        return Constants(
            shell: shell, fieldDigests: fixed.map { $0.value.digest(using: algorithm) }, argumentNames: [:])
    }
}
