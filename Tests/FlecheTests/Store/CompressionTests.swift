import CZlib
import Foundation
import Testing
@testable import FlecheStore
@testable import FlecheValue

/// Objects are written with libdeflate in zlib's format (RFC 1950). The format must not move:
/// zlib reads what libdeflate writes, libdeflate reads what zlib wrote (the zlib-written
/// objects in Fixtures/objects pin that too), and a damaged stream is refused.
@Suite("Object compression")
struct CompressionTests {
    static let payload = Array((0..<6_000).map { "row \($0 % 97), fleche compresses text; " }.joined().utf8)

    @Test("zlib's inflate reads an object libdeflate wrote")
    func zlibReadsOurs() throws {
        let bytes = ObjectFile.encode(payload: Self.payload, children: [], digestLength: 32, compressionLevel: 1)
        let object = try ObjectFile.parse(bytes)
        #expect(object.codec == .zlib)
        #expect(object.body.count < Self.payload.count / 4, "text should compress well")
        var size = uLong(Self.payload.count)
        var inflated = [UInt8](repeating: 0, count: Self.payload.count)
        let body = Array(object.body)
        let status = body.withUnsafeBytes { source in
            inflated.withUnsafeMutableBufferPointer { target in
                uncompress(target.baseAddress, &size, source.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(source.count))
            }
        }
        #expect(status == Z_OK)
        #expect(Int(size) == Self.payload.count && inflated == Self.payload)
    }

    @Test("a stream zlib wrote, at every level, inflates here; a damaged one is refused", arguments: [1, 6, 9])
    func oursReadsZlib(level: Int32) throws {
        var bound = compressBound(uLong(Self.payload.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let status = Self.payload.withUnsafeBytes { source in
            compressed.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &bound, source.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(source.count), level)
            }
        }
        try #require(status == Z_OK)
        compressed.removeLast(compressed.count - Int(bound))
        #expect(compressed.withUnsafeBytes { Zlib.decompress($0, expectedSize: Self.payload.count) } == Self.payload)
        var damaged = compressed
        damaged[damaged.count / 2] ^= 0x04
        #expect(damaged.withUnsafeBytes { Zlib.decompress($0, expectedSize: Self.payload.count) } == nil)
        #expect(compressed.withUnsafeBytes { Zlib.decompress($0, expectedSize: Self.payload.count + 1) } == nil)
    }

    @Test("a payload is compressed when its sample shrinks: noise is stored raw without a full deflate, text compressed, a short payload always tried")
    func compressibilitySample() throws {
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Array(Self.payload.prefix(1 << 20))
        #expect(noise.withUnsafeBytes { Zlib.looksCompressible($0) } == false)
        #expect(text.withUnsafeBytes { Zlib.looksCompressible($0) })
        // Noise after a compressible sample is deflated whole, and stored raw when that does
        // not pay; text after a noise sample is stored raw untried.
        let textThenNoise = Array(text.prefix(Zlib.compressibilitySample)) + noise
        let noiseThenText = Array(noise.prefix(Zlib.compressibilitySample)) + text
        #expect(textThenNoise.withUnsafeBytes { Zlib.looksCompressible($0) })
        #expect(noiseThenText.withUnsafeBytes { Zlib.looksCompressible($0) } == false)
        for (payload, codec) in [(noise, ObjectFile.Codec.raw), (text, .zlib), (noiseThenText, .raw), (Array(noise.prefix(100)), .raw)] {
            let object = try ObjectFile.parse(ObjectFile.encode(payload: payload, children: [], digestLength: 32, compressionLevel: 1))
            #expect(object.codec == codec)
        }
        let shortText = Array(text.prefix(Zlib.compressibilitySample))
        #expect(shortText.withUnsafeBytes { Zlib.looksCompressible($0) })
    }

    @Test("values round-trip through a compressed file store from many threads at once")
    func concurrentRoundTrips() async throws {
        let directory = try TemporaryDirectory()
        let store = try FileStore(root: directory.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<20 {
                        let value = Value.string(String(repeating: "worker \(worker) round \(round) ", count: 2_000))
                        let key = value.digest(using: .sha256)
                        try store.objects.save(value, key: key)
                        #expect(try store.objects.load(key) == value)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.objects.keys().count == 160)
    }
}
