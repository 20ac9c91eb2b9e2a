import Foundation
import Testing
@testable import FlecheValue

@Suite("Digest rules")
struct DigestTests {
    func digest<T: Encodable>(_ value: T, _ algorithm: DigestAlgorithm = .sha256) throws -> Digest {
        try ValueEncoder().encode(value).digest(using: algorithm)
    }

    @Test("Bool never digests like Int", arguments: DigestAlgorithm.allCases)
    func boolIsNotInt(algorithm: DigestAlgorithm) throws {
        #expect(try digest(true, algorithm) != digest(1, algorithm))
        #expect(try digest(false, algorithm) != digest(0, algorithm))
    }

    @Test("integers of every width digest alike")
    func integerWidths() throws {
        #expect(try digest(Int8(5)) == digest(5))
        #expect(try digest(UInt64(5)) == digest(Int32(5)))
        #expect(try digest(Int64(-1)) == digest(Int16(-1)))
        #expect(try digest(UInt64.max) != digest(Int64(-1)))
    }

    @Test("array order matters")
    func arrayOrder() throws {
        #expect(try digest([1, 2]) != digest([2, 1]))
        #expect(try digest(["a", "b"]) != digest(["b", "a"]))
    }

    @Test("dictionaries and sets do not depend on order")
    func dictionaryOrder() throws {
        let a = Value.dictionary([.init(key: .string("x"), value: .int(1)), .init(key: .string("y"), value: .int(2))])
        let b = Value.dictionary([.init(key: .string("y"), value: .int(2)), .init(key: .string("x"), value: .int(1))])
        #expect(a.digest(using: .sha256) == b.digest(using: .sha256))
        #expect(Value.set([.int(1), .int(2)]).digest(using: .sha256) == Value.set([.int(2), .int(1)]).digest(using: .sha256))
        #expect(try digest(Set([3, 1, 2])) == digest(Set([2, 3, 1])))
        #expect(try digest(Set([1, 2])) != digest([1, 2]))
        #expect(try digest(["k": 1]) != digest(["k": 2]))
    }

    @Test("a record's fields do not depend on order, its type name does")
    func records() throws {
        let ab = Value.record(type: "P", fields: [.init(name: "a", value: .int(1)), .init(name: "b", value: .int(2))])
        let ba = Value.record(type: "P", fields: [.init(name: "b", value: .int(2)), .init(name: "a", value: .int(1))])
        let q = Value.record(type: "Q", fields: [.init(name: "a", value: .int(1)), .init(name: "b", value: .int(2))])
        #expect(ab.digest(using: .sha256) == ba.digest(using: .sha256))
        #expect(ab.digest(using: .sha256) != q.digest(using: .sha256))
    }

    @Test("-0.0 digests as 0.0, every NaN alike, floats unlike integers")
    func floats() throws {
        #expect(try digest(-0.0) == digest(0.0))
        #expect(try digest(Double.nan) == digest(-Double.nan))
        #expect(try digest(Double(bitPattern: 0x7ff8_0000_0000_0001)) == digest(Double.nan))
        #expect(try digest(1.0) != digest(1))
        #expect(try digest([-0.0, 1]) == digest([0.0, 1]))
        #expect(try digest(Float(1.5)) == digest(1.5))
    }

    @Test("a Digest digests to itself", arguments: DigestAlgorithm.allCases)
    func digestIsTransparent(algorithm: DigestAlgorithm) throws {
        let key = try digest("hello", algorithm)
        #expect(try digest(key, algorithm) == key)
        #expect(try digest(key.hex, algorithm) != key)
    }

    @Test("strings Swift considers equal digest alike (NFC)")
    func unicodeNormalisation() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        #expect(try digest(composed) == digest(decomposed))
        #expect(try digest("café") != digest("cafe"))
    }

    @Test("digest lengths per algorithm")
    func lengths() throws {
        #expect(try digest(1, .sha256).hex.count == 64)
        #expect(try digest(1, .xxh3).hex.count == 32)
        #expect(try digest(1, .sha256) != digest(2, .sha256))
        #expect(try digest(1, .xxh3) != digest(2, .xxh3))
    }

    @Test("packed arrays hash as one buffer yet distinguish contents")
    func packedArrays() throws {
        let big = (0..<100_000).map(Double.init)
        var changed = big
        changed[99_999] = -1
        #expect(try digest(big) != digest(changed))
        #expect(try digest(Data([1, 2, 3])) != digest([1, 2, 3]))
        #expect(try digest([1, 2, 3] as [Int]) == digest([1, 2, 3] as [Int32]))
    }

    @Test("a container's digest depends only on its children's digests (Merkle)")
    func merkle() throws {
        let inner = try ValueEncoder().encode([1, 2, 3])
        let outer = Value.array([inner, .string("x")])
        let replaced = Value.array([.digest(inner.digest(using: .sha256)), .string("x")])
        #expect(outer.digest(using: .sha256) == replaced.digest(using: .sha256))
    }

}
