import Foundation
import Testing
@testable import Fleche
@testable import FlecheStore
@testable import FlecheValue

@Suite("Short keys")
struct PrefixTests {
    /// A memory cache holding `count` calls.
    func filledCache(_ count: Int) throws -> (Cache, [Digest]) {
        let cache = Cache.memory()
        var keys: [Digest] = []
        for i in 0..<count {
            keys.append(try cache.save(Call(name: "f", arguments: [.init(name: "i", value: .int(Int128(i)))], result: .int(0))))
        }
        return (cache, keys)
    }

    /// Two stored keys sharing at least `length` leading hex characters.
    func collidingPair(_ keys: [Digest], length: Int) -> (Digest, Digest)? {
        var seen: [String: Digest] = [:]
        for key in keys {
            let prefix = String(key.hex.prefix(length))
            if let other = seen[prefix] { return (other, key) }
            seen[prefix] = key
        }
        return nil
    }

    @Test("expand: 4+ characters resolve, 3 are too short, unknown is not found, full keys pass")
    func expand() throws {
        let (cache, keys) = try filledCache(20)
        let key = keys[7]
        #expect(try cache.expand(String(key.hex.prefix(4))) == key || collidingPair(keys, length: 4) != nil)
        #expect(try cache.expand(String(key.hex.prefix(12))) == key)
        #expect(try cache.expand(key.hex.uppercased()) == key)
        #expect(throws: FlecheError.prefixTooShort(String(key.hex.prefix(3)))) { try cache.expand(String(key.hex.prefix(3))) }
        let unknown = String(repeating: "f", count: 64)
        #expect(try cache.expand(unknown).hex == unknown)
        #expect(throws: FlecheError.invalidKey("zzzz")) { try cache.expand("zzzz") }
        #expect(throws: FlecheError.invalidKey(unknown + "0")) { try cache.expand(unknown + "0") }
    }

    @Test("an ambiguous prefix lists the candidates and the length needed")
    func ambiguous() throws {
        let (cache, keys) = try filledCache(2_000)  // 2,000 keys over 65,536 4-char prefixes: collisions are certain
        let (a, b) = try #require(collidingPair(keys, length: 4))
        let prefix = String(a.hex.prefix(4))
        let lcp = KeyResolution.commonPrefixLength(a.hex, b.hex)
        do {
            _ = try cache.expand(prefix)
            Issue.record("expected an ambiguity error")
        } catch FlecheError.ambiguousPrefix(let p, let candidates, let needed) {
            #expect(p == prefix)
            #expect(Set(candidates).isSuperset(of: [a, b]))
            #expect(needed >= lcp + 1 && needed > 4)
            #expect("\(FlecheError.ambiguousPrefix(prefix: p, candidates: candidates, needed: needed))".contains("need at least \(needed) characters"))
        }
        expectFlecheError("ambiguousPrefix") { _ = try cache.contains(prefix) }
        #expect(try cache.shrink(a).count == max(4, lcp + 1))
    }

    @Test("shrink gives the shortest unique prefix, in batches too, and rejects unknown keys")
    func shrink() throws {
        // 3,000 keys over 65,536 4-character prefixes: some need 5 or more.
        let (cache, keys) = try filledCache(3_000)
        let short = try cache.shrink(keys)
        #expect(short.count == keys.count)
        #expect(short.contains { $0.count > 4 })
        for (key, prefix) in zip(keys, short) {
            #expect(prefix.count >= 4)
            #expect(key.hex.hasPrefix(prefix))
            #expect(try cache.expand(prefix) == key)
            if prefix.count > 4 {
                // One character less is ambiguous.
                expectFlecheError("ambiguousPrefix") { _ = try cache.expand(String(prefix.dropLast())) }
            }
        }
        expectFlecheError("notFound") { _ = try cache.shrink(Digest(hex: String(repeating: "0", count: 64))!) }
    }

    @Test("the common hex prefix of two digests, from their bytes, is their hex strings' common prefix")
    func commonHexPrefix() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let a = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var b = a
            // Differ from a random nibble on (or not at all).
            let nibble = Int.random(in: 0...64, using: &generator)
            if nibble < 64 {
                let flip: UInt8 = nibble % 2 == 0 ? 0x10 : 0x01
                b[nibble / 2] ^= flip
            }
            let (x, y) = (Digest(bytes: a), Digest(bytes: b))
            #expect(KeyResolution.commonHexPrefixLength(x, y) == KeyResolution.commonPrefixLength(x.hex, y.hex))
        }
    }

    @Test("load, loadValue, evict and contains accept prefixes")
    func prefixesEverywhere() throws {
        let cache = Cache.memory()
        let big = Value.doubles((0..<100).map(Double.init))
        let key = try cache.save(Call(name: "f", arguments: [], result: big))
        let prefix = try cache.shrink(key)
        let valueKey = big.digest(using: .sha256)
        #expect(try cache.load(prefix).key == key)
        #expect(try cache.loadValue(try cache.shrink(valueKey)) == big)
        #expect(try cache.contains(prefix))
        #expect(try !cache.contains(String(key.hex.prefix(3))))
        #expect(try cache.evict(prefix))
        #expect(try !cache.contains(key))
        #expect(try cache.loadValue(valueKey) == big)  // evict keeps values
        #expect(try !cache.evict(key.hex))  // an unknown full key: nothing to do
        #expect(throws: FlecheError.notFound(key: String(key.hex.prefix(8)))) { try cache.evict(String(key.hex.prefix(8))) }
    }
}
