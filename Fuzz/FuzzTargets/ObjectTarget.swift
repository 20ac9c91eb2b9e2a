import FlecheStore
import FlecheValue

extension FuzzTarget {
    /// Object files (header, child list, raw and zlib payloads, nesting): the header-only
    /// reader gc uses agrees with the full reader on the children, and a decoded object's
    /// value encodes back to a payload that decodes to the same value.
    package static let object = FuzzTarget(name: "object") { bytes in
        let file = Array(bytes)
        let full = Result { try ObjectFormat.decode(file) }
        let header = Result { try ObjectFormat.children(file) }
        guard case .success(let decoded) = full else { return }
        guard case .success(let children) = header else {
            return try require(false, "the header reader refuses an object the full reader accepts")
        }
        try require(children == decoded.children, "the header reader lists other children than the full reader")
        let payload = ValueCodec.encode(decoded.value)
        let again = Result { try ValueCodec.decode(payload) }
        try require((try? again.get()) == decoded.value, "an object's value does not survive encoding and decoding")
    }
}
