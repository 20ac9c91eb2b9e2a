import Foundation

extension Value {
    /// The value as everyday JSON, for people and `jq`: records and string-keyed
    /// dictionaries become objects, bytes base64 strings, dates ISO 8601 strings, digests hex
    /// strings. Lossy; ``jsonForm`` is the lossless form.
    public var plainJSON: JSON {
        switch self {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return Int64(exactly: number).map(JSON.int) ?? .string(String(number))
        case .float(let number): return number.isFinite ? .double(number) : .string(String(number))
        case .string(let text): return .string(text)
        case .bytes(let data): return .string(data.base64EncodedString())
        case .date(let date): return .string(date.ISO8601Format(.iso8601.time(includingFractionalSeconds: true)))
        case .array(let items), .set(let items): return .array(items.map(\.plainJSON))
        case .some(let inner): return inner.plainJSON
        case .dictionary(let entries):
            var members: [(String, JSON)] = []
            for entry in entries {
                guard case .string(let key) = entry.key else {
                    return .array(entries.map { .array([$0.key.plainJSON, $0.value.plainJSON]) })
                }
                members.append((key, entry.value.plainJSON))
            }
            return .object(members)
        case .record(_, let fields): return .object(fields.map { ($0.name, $0.value.plainJSON) })
        case .doubles(let numbers): return .array(numbers.map { $0.isFinite ? .double($0) : .string(String($0)) })
        case .integers(let numbers): return .array(numbers.map(JSON.int))
        case .digest(let digest): return .string(digest.hex)
        }
    }
}
