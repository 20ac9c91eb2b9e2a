import Foundation

/// One stored key as a listing or a `HEAD` reports it.
public struct S3ObjectInfo: Sendable, Equatable {
    /// The full key.
    public let key: String
    /// Its size in bytes.
    public let size: Int
    /// When it was last written (S3's `LastModified`), when the server said.
    public let lastModified: Date?
}

/// One page of a ListObjectsV2 answer: the objects, and the token of the next page.
struct S3ListPage {
    var objects: [S3ObjectInfo] = []
    var isTruncated = false
    var nextToken: String?

    /// Reads the XML of a ListObjectsV2 answer. Only the elements a store needs are read
    /// (`Contents`' `Key`, `Size`, `LastModified`; `IsTruncated`, `NextContinuationToken`),
    /// by scanning for their tags: the answer's schema is flat and fixed.
    static func parse(_ body: [UInt8]) -> S3ListPage {
        let text = String(decoding: body, as: UTF8.self)
        var page = S3ListPage()
        page.isTruncated = S3XML.element("IsTruncated", in: text[...]) == "true"
        page.nextToken = S3XML.element("NextContinuationToken", in: text[...])
        for contents in S3XML.elements("Contents", in: text[...]) {
            guard let key = S3XML.element("Key", in: contents) else { continue }
            page.objects.append(S3ObjectInfo(
                key: key, size: S3XML.element("Size", in: contents).flatMap { Int($0) } ?? 0,
                lastModified: S3XML.element("LastModified", in: contents).flatMap(S3Time.parseISO8601)))
        }
        return page
    }
}

/// The `Code` and `Message` of an S3 error answer's XML body.
enum S3ErrorBody {
    static func parse(_ body: [UInt8]) -> (code: String?, message: String?) {
        guard !body.isEmpty else { return (nil, nil) }
        let text = String(decoding: body.prefix(8_192), as: UTF8.self)
        return (S3XML.element("Code", in: text[...]), S3XML.element("Message", in: text[...]))
    }
}

/// The few XML reads S3's answers need: the text of a named element, unescaped.
enum S3XML {
    /// The text of the first `<name>…</name>` in `text`.
    static func element(_ name: String, in text: Substring) -> String? {
        elements(name, in: text).first.map(unescape)
    }

    /// The contents of every `<name>…</name>` in `text`, in order, still escaped.
    static func elements(_ name: String, in text: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = text
        while let open = rest.range(of: "<\(name)>"), let close = rest[open.upperBound...].range(of: "</\(name)>") {
            found.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// Replaces XML's five named entities and numeric character references.
    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
