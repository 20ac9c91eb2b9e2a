import FlecheStore
import FlecheValue
extension Cache {
    /// Re-keys every call record whose stored key is not the key its content gives (after a
    /// change of the key rules, or a record filed under a wrong name): saves it under the
    /// right key, then evicts the old one. Returns the moves made, old key → new key.
    @discardableResult
    public func redigest() throws -> [(from: Digest, to: Digest)] {
        var moves: [(from: Digest, to: Digest)] = []
        for (key, record) in try calls.records() {
            let correct = record.key(using: algorithm)
            guard correct != key else { continue }
            try save(record, values: [:])
            try evict(key)
            moves.append((key, correct))
        }
        return moves
    }
}
