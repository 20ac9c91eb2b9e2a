import FlecheSystem
import FlecheValue
import Foundation

/// Large `bytes` values (a `Data` result of a megabyte or more) held once in memory: loaded
/// straight into the buffer their `Data` keeps (the payload of a raw object read from the
/// file into it, a zlib one inflated into it), and an incompressible one (or chunk) written
/// from the `Data`'s own storage, not copied behind its tag first.
extension FileObjectStorage {
    /// Objects at least this large take this path.
    static let largeBytesThreshold = 1 << 20

    /// The value of the large object `key` at `path` if it has no children: a `bytes` value
    /// decoded into its own buffer (any other value of a zlib object decoded from the one
    /// inflated payload); `nil` for an object with children or of another codec, and for a
    /// raw object that is not one `bytes` value, which the caller decodes as usual.
    ///
    /// - Throws: `FlecheError.corruptObject` when the payload does not match its header.
    func loadLargeBytes(_ key: Digest, path: String) throws -> Value? {
        guard let prefix = try fenced({ try FileSystem.readPrefix(path, limit: 4_096) }),
            let header = try? ObjectFile.parse(prefix, headerOnly: true), header.children.isEmpty,
            header.codec == .raw || header.codec == .zlib
        else { return nil }
        let headerLength = header.body.startIndex
        func corrupt(_ reason: String) -> FlecheError { .corruptObject(key: key, path: path, reason: reason) }
        switch header.codec {
        case .raw:
            // The payload's tag and length are in the prefix; the bytes follow them.
            guard let (count, lead) = Self.bytesLead(prefix[headerLength...]), lead + count == header.payloadSize else {
                return nil
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            do {
                guard let read = try fenced({ try FileSystem.read(path, from: headerLength + lead, into: buffer) }) else {
                    throw FlecheError.notFound(key: key.hex)
                }
                guard read.count == count, read.atEnd else { throw corrupt("payload is not the \(header.payloadSize) bytes its header says") }
                let check = PiecewiseChecksum()
                prefix[headerLength..<(headerLength + lead)].withUnsafeBytes { check.update($0) }
                check.update(UnsafeRawBufferPointer(buffer))
                guard check.finalize() == header.checksum else { throw corrupt("payload checksum mismatch") }
            } catch {
                buffer.deallocate()
                throw error
            }
            return .bytes(Data(bytesNoCopy: buffer.baseAddress!, count: count, deallocator: .custom { pointer, _ in pointer.deallocate() }))
        case .zlib:
            guard let file = try fenced({ try FileSystem.readFile(path) }) else { throw FlecheError.notFound(key: key.hex) }
            return try inflateLarge(file, header: header, key: key, path: path)
        case .fileBody, .chunked:
            return nil
        }
    }

    /// The value of the zlib object `file` (with its parsed `header`) whose payload is at
    /// least ``largeBytesThreshold`` bytes and has no children: inflated into one buffer, a
    /// `bytes` value keeps it as its `Data`'s storage, any other value is decoded from it.
    ///
    /// - Throws: `FlecheError.corruptObject` when the stream does not inflate to its size.
    func inflateLarge(_ file: [UInt8], header: ObjectFile, key: Digest, path: String) throws -> Value {
        func corrupt(_ reason: String) -> FlecheError { .corruptObject(key: key, path: path, reason: reason) }
        let headerLength = header.body.startIndex
        guard header.payloadSize / 1_032 <= file.count - headerLength else { throw corrupt("header size beyond what the stream can hold") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: header.payloadSize, alignment: 16)
        guard file[headerLength...].withUnsafeBytes({ Zlib.decompress($0, into: buffer) }) else {
            buffer.deallocate()
            throw corrupt("zlib stream is damaged (inflate or checksum failed)")
        }
        guard let (count, lead) = Self.bytesLead(ArraySlice(buffer.prefix(20))), lead + count == header.payloadSize else {
            // Another large value (packed numbers, a long string): decoded from the
            // inflated payload, which is not inflated twice.
            defer { buffer.deallocate() }
            do {
                return try ValueCodec.decode(UnsafeRawBufferPointer(buffer))
            } catch {
                throw corrupt("\(error)")
            }
        }
        let base = buffer.baseAddress!
        return .bytes(Data(bytesNoCopy: base + lead, count: count, deallocator: .custom { _, _ in base.deallocate() }))
    }

    /// Stores `bytes` as the object `key` of their `bytes` value (a large value, or a chunk
    /// of one) unless a whole one is there (``isStoredWhole(_:payload:children:)``): written
    /// raw from `bytes` themselves (header, the tag and length, the bytes) when they do not
    /// compress or the store does not compress, else compressed. Returns the bytes written
    /// (0 for an object that is there whole).
    func storeBytesObject(_ bytes: UnsafeRawBufferPointer, key: Digest) throws -> Int {
        if format.compressionLevel > 0, Zlib.looksCompressible(bytes) {
            var payload = ByteWriter(capacity: bytes.count + 11)
            payload.writeTag(.bytes)
            payload.writeCount(bytes.count)
            payload.writeRaw(bytes)
            return try store(digest: key, payload: payload.bytes, children: [], sampled: true)
        }
        var lead = ByteWriter(capacity: 11)
        lead.writeTag(.bytes)
        lead.writeCount(bytes.count)
        let stored = lead.bytes.withUnsafeBytes { tag in isStoredWhole(key, payload: [tag, bytes], children: []) }
        if stored { return 0 }
        let check = PiecewiseChecksum()
        lead.bytes.withUnsafeBytes { check.update($0) }
        check.update(bytes)
        let payloadSize = lead.bytes.count + bytes.count
        let header = ObjectFile.header(
            codec: .raw, children: [], payloadSize: payloadSize, check: check.finalize(), digestLength: algorithm.digestByteCount)
        try header.withUnsafeBytes { head in
            try lead.bytes.withUnsafeBytes { tag in
                try layout.writeAtomically(parts: [head, tag, bytes], to: path(of: key), durable: durable)
            }
        }
        return header.count + payloadSize
    }

    /// For a payload that starts with a `bytes` value: its length and the bytes its tag and
    /// length take; `nil` for any other start.
    private static func bytesLead(_ payload: ArraySlice<UInt8>) -> (count: Int, lead: Int)? {
        guard payload.first == ValueCodec.Tag.bytes.rawValue else { return nil }
        var count = 0
        var shift = 0
        for (index, byte) in payload.dropFirst().prefix(10).enumerated() {
            count |= Int(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return (count, index + 2) }
            shift += 7
        }
        return nil
    }
}
