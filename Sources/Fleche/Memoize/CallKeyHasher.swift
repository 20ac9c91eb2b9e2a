import FlecheCache
import FlecheConfig
import FlecheQuery
import FlecheStore
import FlecheValue
import FlecheSystem

/// Computes a memoized function's call keys with the digests of the parts that never change
/// (name, module, version, code, argument names) computed once per algorithm.
///
/// The key is the Merkle digest of ``CallRecord/keyValue(name:module:version:codeDigest:arguments:)``;
/// rebuilding that value and hashing all ten or so of its nodes on every call was a tenth of
/// a hit (measured with perf). Here a call hashes only what depends on its arguments: one
/// node per argument, the arguments array, and the record, whose fields are already in
/// hashing order.
final class CallKeyHasher: Sendable {
    /// What never changes for one algorithm.
    private final class Constants: Sendable {
        /// The record's fields in hashing order, with the digests of the fixed ones; the
        /// arguments field's digest is filled in per call at `argumentsIndex`.
        let sortedFields: [(name: String, digest: Digest)]
        let argumentsIndex: Int
        /// Digest of each argument name string, filled as names are seen.
        let argumentNames = Locked<[String: Digest]>([:])

        init(sortedFields: [(name: String, digest: Digest)], argumentsIndex: Int) {
            self.sortedFields = sortedFields
            self.argumentsIndex = argumentsIndex
        }
    }

    private let identity: FunctionIdentity
    private let constants = Locked<[DigestAlgorithm: Constants]>([:])

    init(identity: FunctionIdentity) { self.identity = identity }

    func key(arguments: [(String, Digest)], algorithm: DigestAlgorithm) -> Digest {
        let table = constants.withLock { table in
            if let known = table[algorithm] { return known }
            let made = makeConstants(algorithm)
            table[algorithm] = made
            return made
        }
        let nameDigests = table.argumentNames.withLock { names in
            arguments.map { name, _ in
                if let known = names[name] { return known }
                let digest = Value.string(name).digest(using: algorithm)
                names[name] = digest
                return digest
            }
        }
        var pairDigests: [Digest] = []
        pairDigests.reserveCapacity(arguments.count)
        for (nameDigest, argument) in zip(nameDigests, arguments) {
            pairDigests.append(Value.arrayDigest(using: algorithm, of: [nameDigest, argument.1]))
        }
        var fields = table.sortedFields
        fields[table.argumentsIndex].digest = Value.arrayDigest(using: algorithm, of: pairDigests)
        return Value.recordDigest(using: algorithm, type: "Call", sortedFields: fields)
    }

    private func makeConstants(_ algorithm: DigestAlgorithm) -> Constants {
        let full = CallRecord.keyValue(
            name: identity.name, module: identity.module, version: identity.version,
            codeDigest: identity.codeDigest, arguments: [])
        guard case .record(_, let fields) = full else { preconditionFailure("the key value is a record") }
        let order = Value.fieldOrder(fields.map(\.name))
        let sorted = order.map { (name: fields[$0].name, digest: fields[$0].value.digest(using: algorithm)) }
        guard let argumentsIndex = sorted.firstIndex(where: { $0.name == "arguments" }) else {
            preconditionFailure("the key value has an arguments field")
        }
        return Constants(sortedFields: sorted, argumentsIndex: argumentsIndex)
    }
}
