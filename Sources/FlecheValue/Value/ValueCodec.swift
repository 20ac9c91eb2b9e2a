import FlecheSystem
import Foundation

/// The deterministic binary encoding of a ``Value``: the payload of every stored object.
///
/// Each value is a tag byte and a body; lengths and counts are unsigned LEB128 varints,
/// integers zigzag LEB128, floats and packed arrays little-endian IEEE/two's complement.
/// docs/FORMAT.md lists the tags; Fixtures/objects pins them.
public enum ValueCodec {
    package enum Tag: UInt8 {
        case null = 0, `false` = 1, `true` = 2, int = 3, float = 4, string = 5, bytes = 6, date = 7
        case array = 8, dictionary = 9, record = 10, set = 11, some = 12, doubles = 13, integers = 14
        case digest = 15
        /// A child stored as its own object (destructuring); only inside object payloads.
        case childReference = 16
        /// A `bytes` value stored as its own file body object (the content of a file
        /// artifact), never loaded with its parent: it decodes as its digest.
        case fileBody = 17
    }

    /// Resolves a child reference while decoding: loads the child, or stands in for it.
    public typealias ChildResolver = (Digest) throws -> Value

    /// The deepest nesting the decoder accepts, so that a corrupt or hostile payload cannot
    /// exhaust the stack.
    public static let maximumDepth = 2_000

    /// Encodes `value`.
    public static func encode(_ value: Value) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(value)
        return writer.bytes
    }

    /// Encodes a container whose direct children at the positions where `childReferences`
    /// holds a digest are stored apart: they are written as references (tag 16).
    package static func encode(_ value: Value, childReferences: [Digest?]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(value, childReferences: childReferences)
        return writer.bytes
    }

    /// Encodes an object's payload: the direct children at the positions where
    /// `childReferences` holds a digest as references (tag 16), and every digest value in
    /// `fileBodies` as a reference to that file body (tag 17). Returns the payload and the
    /// digests it refers to, in the order written: the object header's children.
    package static func encodeObject(
        _ value: Value, childReferences: [Digest?]?, fileBodies: Set<Digest>
    ) -> (payload: [UInt8], children: [Digest]) {
        var writer = ByteWriter()
        writer.fileBodies = fileBodies
        if let childReferences { writer.write(value, childReferences: childReferences) } else { writer.write(value) }
        return (writer.bytes, writer.references)
    }

    /// Decodes one value that must span all of `bytes`; child references are passed to
    /// `resolve` (by default they are an error: plain payloads have none).
    ///
    /// - Throws: ``CodecError`` naming the offset of the first inconsistency, or what
    ///   `resolve` throws.
    public static func decode(_ bytes: UnsafeRawBufferPointer, resolve: ChildResolver? = nil) throws -> Value {
        try decode(bytes, resolve: resolve, fileBody: nil)
    }

    /// Decodes one value as ``decode(_:resolve:)-(UnsafeRawBufferPointer,_)`` does, and passes
    /// every file body reference (which decodes as its digest) to `fileBody`: what a check
    /// of an object's header against its payload counts.
    package static func decode(
        _ bytes: UnsafeRawBufferPointer, resolve: ChildResolver?, fileBody: ((Digest) -> Void)?
    ) throws -> Value {
        var reader = ByteReader(bytes, resolve: resolve)
        reader.fileBody = fileBody
        let value = try reader.readValue(depth: 0)
        guard reader.isAtEnd else { throw CodecError(offset: reader.offset, reason: "trailing bytes after the value") }
        return value
    }

    /// Decodes one value that must span all of `bytes`.
    public static func decode(_ bytes: [UInt8], resolve: ChildResolver? = nil) throws -> Value {
        try bytes.withUnsafeBytes { (buffer) throws -> Value in try decode(buffer, resolve: resolve) }
    }
}

/// A payload that does not decode: truncated, an unknown tag, a length past the end.
public struct CodecError: Error, Sendable, CustomStringConvertible {
    /// The byte offset in the payload where decoding stopped.
    public let offset: Int
    /// What was wrong there.
    public let reason: String
    public var description: String { "\(reason) at byte \(offset)" }

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

// MARK: - Writing

package struct ByteWriter {
    package var bytes: [UInt8] = []
    /// Digest values written as file body references (tag 17) rather than as digests.
    package var fileBodies: Set<Digest> = []
    /// The child and file body references written, in order.
    package private(set) var references: [Digest] = []

    package init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    package mutating func writeTag(_ tag: ValueCodec.Tag) { bytes.append(tag.rawValue) }

    package mutating func writeVarint(_ number: UInt64) {
        var rest = number
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    package mutating func writeVarint(_ number: UInt128) {
        var rest = number
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    package mutating func writeCount(_ count: Int) { writeVarint(UInt64(count)) }

    package mutating func writeString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            writeCount(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    package mutating func writeRaw(_ buffer: UnsafeRawBufferPointer) { bytes.append(contentsOf: buffer) }

    package mutating func writeFixed<T: FixedWidthInteger>(_ number: T) {
        withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes a container with the children at positions `childReferences[i] != nil`
    /// (in ``Value/children`` order) as references.
    package mutating func write(_ value: Value, childReferences: [Digest?]) {
        var index = 0
        writeContainer(value) { writer, child in
            if let reference = childReferences[index] {
                writer.writeReference(.childReference, reference)
            } else {
                writer.write(child)
            }
            index += 1
        }
    }

    package mutating func write(_ value: Value) {
        writeContainer(value) { writer, child in writer.write(child) }
    }

    /// Writes `value`, handing each direct child of a container to `child`.
    private mutating func writeContainer(_ value: Value, child: (inout ByteWriter, Value) -> Void) {
        switch value {
        case .null: writeTag(.null)
        case .bool(let flag): writeTag(flag ? .true : .false)
        case .int(let number):
            writeTag(.int)
            writeVarint(UInt128(bitPattern: (number << 1) ^ (number >> 127)))
        case .float(let number):
            writeTag(.float)
            writeFixed(number.bitPattern)
        case .string(let text):
            writeTag(.string)
            writeString(text)
        case .bytes(let data):
            writeTag(.bytes)
            writeCount(data.count)
            data.withUnsafeBytes { writeRaw($0) }
        case .date(let date):
            writeTag(.date)
            writeFixed(date.timeIntervalSinceReferenceDate.bitPattern)
        case .array(let items):
            writeTag(.array)
            writeCount(items.count)
            for item in items { child(&self, item) }
        case .set(let items):
            writeTag(.set)
            writeCount(items.count)
            for item in items { child(&self, item) }
        case .dictionary(let entries):
            writeTag(.dictionary)
            writeCount(entries.count)
            for entry in entries {
                child(&self, entry.key)
                child(&self, entry.value)
            }
        case .record(let type, let fields):
            writeTag(.record)
            writeString(type)
            writeCount(fields.count)
            for field in fields {
                writeString(field.name)
                child(&self, field.value)
            }
        case .some(let inner):
            writeTag(.some)
            child(&self, inner)
        case .doubles(let numbers):
            writeTag(.doubles)
            writeCount(numbers.count)
            #if _endian(little)
            numbers.withUnsafeBytes { writeRaw($0) }
            #else
            for number in numbers { writeFixed(number.bitPattern) }
            #endif
        case .integers(let numbers):
            writeTag(.integers)
            writeCount(numbers.count)
            #if _endian(little)
            numbers.withUnsafeBytes { writeRaw($0) }
            #else
            for number in numbers { writeFixed(number) }
            #endif
        case .digest(let digest):
            if !fileBodies.isEmpty, fileBodies.contains(digest) {
                writeReference(.fileBody, digest)
            } else {
                writeDigest(.digest, digest)
            }
        }
    }

    /// A reference to a child or file body: its digest, listed among the references.
    private mutating func writeReference(_ tag: ValueCodec.Tag, _ digest: Digest) {
        writeDigest(tag, digest)
        references.append(digest)
    }

    private mutating func writeDigest(_ tag: ValueCodec.Tag, _ digest: Digest) {
        writeTag(tag)
        bytes.append(UInt8(digest.bytes.count))
        bytes.append(contentsOf: digest.bytes)
    }
}

// MARK: - Reading

package struct ByteReader {
    package let buffer: UnsafeRawBufferPointer
    package let resolve: ValueCodec.ChildResolver?
    /// Told of each file body reference (tag 17) read.
    package var fileBody: ((Digest) -> Void)?
    package private(set) var offset = 0
    /// The stack check of this decode (a reader decodes on one thread).
    private var stack = StackSpace.Check()

    package init(_ buffer: UnsafeRawBufferPointer, resolve: ValueCodec.ChildResolver? = nil) {
        self.buffer = buffer
        self.resolve = resolve
    }

    package var isAtEnd: Bool { offset >= buffer.count }
    package var remaining: Int { buffer.count - offset }

    package func error(_ reason: String) -> CodecError { CodecError(offset: offset, reason: reason) }

    package mutating func readByte() throws -> UInt8 {
        guard offset < buffer.count else { throw error("unexpected end of payload") }
        defer { offset += 1 }
        return buffer[offset]
    }

    package mutating func readBytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw error("length \(count) runs past the end (\(remaining) bytes left)")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count])
    }

    package mutating func readVarint128() throws -> UInt128 {
        var result: UInt128 = 0
        var shift: UInt128 = 0
        while true {
            let byte = try readByte()
            guard shift < 128 else { throw error("varint longer than 128 bits") }
            result |= UInt128(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a length or count. Every element takes at least one byte, so a count larger
    /// than what is left is corrupt, unless `unbounded` (a size of compressed data).
    package mutating func readCount(unbounded: Bool = false) throws -> Int {
        let count = try readVarint128()
        guard unbounded || count <= UInt128(remaining), count <= UInt128(Int.max), let exact = Int(exactly: count) else {
            throw error("count \(count) is larger than the payload could hold")
        }
        return exact
    }

    package mutating func readFixed64() throws -> UInt64 {
        let raw = try readBytes(8)
        return UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
    }

    package mutating func readString() throws -> String {
        let count = try readCount()
        let raw = try readBytes(count)
        guard let text = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw error("string is not valid UTF-8")
        }
        return text
    }

    /// Copies a packed little-endian array out of the payload in one `memcpy`.
    package static func copyLittleEndian<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, count: Int, as: T.Type) -> [T] {
        let numbers = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw) }
            initialized = count
        }
        #if _endian(little)
        return numbers
        #else
        return numbers.map { T(littleEndian: $0) }
        #endif
    }

    package mutating func readValue(depth: Int) throws -> Value {
        guard depth < ValueCodec.maximumDepth else { throw error("nesting deeper than \(ValueCodec.maximumDepth)") }
        if depth & 31 == 31, !stack.hasRoom() { throw error("nesting too deep for this thread's stack") }
        let tagByte = try readByte()
        guard let tag = ValueCodec.Tag(rawValue: tagByte) else { throw error("unknown tag \(tagByte)") }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int:
            let zigzag = try readVarint128()
            return .int(Int128(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1))))
        case .float: return .float(Double(bitPattern: try readFixed64()))
        case .string: return .string(try readString())
        case .bytes:
            let count = try readCount()
            return .bytes(Data(try readBytes(count)))
        case .date: return .date(Date(timeIntervalSinceReferenceDate: Double(bitPattern: try readFixed64())))
        case .array, .set:
            let count = try readCount()
            var items: [Value] = []
            items.reserveCapacity(min(count, remaining))
            for _ in 0..<count { items.append(try readValue(depth: depth + 1)) }
            return tag == .array ? .array(items) : .set(items)
        case .dictionary:
            let count = try readCount()
            var entries: [Value.DictionaryEntry] = []
            entries.reserveCapacity(min(count, remaining))
            for _ in 0..<count {
                let key = try readValue(depth: depth + 1)
                entries.append(.init(key: key, value: try readValue(depth: depth + 1)))
            }
            return .dictionary(entries)
        case .record:
            let type = try readString()
            let count = try readCount()
            var fields: [Value.Field] = []
            fields.reserveCapacity(min(count, remaining))
            for _ in 0..<count {
                let name = try readString()
                fields.append(.init(name: name, value: try readValue(depth: depth + 1)))
            }
            return .record(type: type, fields: fields)
        case .some: return .some(try readValue(depth: depth + 1))
        case .doubles:
            let count = try readCount()
            let raw = try readBytes(count &* 8)
            return .doubles(Self.copyLittleEndian(raw, count: count, as: UInt64.self).map(Double.init(bitPattern:)))
        case .integers:
            let count = try readCount()
            let raw = try readBytes(count &* 8)
            return .integers(Self.copyLittleEndian(raw, count: count, as: Int64.self))
        case .digest, .childReference, .fileBody:
            let count = Int(try readByte())
            guard count == 16 || count == 32 else { throw error("digest of \(count) bytes") }
            let digest = Digest(bytes: Array(try readBytes(count)))
            if tag == .digest { return .digest(digest) }
            if tag == .fileBody {
                guard resolve != nil else { throw error("file body reference outside an object payload") }
                fileBody?(digest)
                return .digest(digest)
            }
            guard let resolve else { throw error("child reference outside an object payload") }
            return try resolve(digest)
        }
    }
}
