import FlecheCache
import FlecheStore
import FlecheValue
import Foundation

/// Which arguments a ``CallTable`` shows as columns.
public enum TableArguments: Sendable, Hashable, ExpressibleByArrayLiteral {
    /// Every argument of every call.
    case all
    /// These arguments, in this order.
    case named([String])

    public init(arrayLiteral names: String...) { self = .named(names) }
}

/// A table of calls: one row per call, indexed by its (shortened) key, with columns
/// `name`, `module`, `result` (when asked for), the flattened metadata, then the requested
/// arguments. Renders as aligned text, CSV or JSON.
///
/// Metadata fields become columns under their own name (`timestop`, `project`); a field
/// name two collectors share is spelled `collector.field`. An argument whose name is
/// already a column is prefixed `a_` (`a_name`). `timestart`/`timestop` are local ISO 8601
/// times. A value missing from the store shows as its digest.
public struct CallTable: Sendable, Equatable {
    /// The index: each row's key, shortened to its unambiguous prefix unless asked not to.
    public var keys: [String]
    /// The column names: argument, result and flattened metadata columns.
    public var columns: [String]
    /// One row per key, one cell per column (JSON `null` for no value).
    public var rows: [[JSON]]

    /// A table of `rows`, one per key, each with one JSON cell per column.
    public init(keys: [String], columns: [String], rows: [[JSON]]) {
        self.keys = keys
        self.columns = columns
        self.rows = rows
    }

    /// The cells of column `name`, top to bottom.
    public func column(_ name: String) -> [JSON]? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return rows.map { $0[index] }
    }

    /// Aligned text with a `key` column first; `-` for empty cells.
    public func text() -> String {
        TextTable(header: ["key"] + columns, rows: zip(keys, rows).map { key, row in [key] + row.map(Self.text) }).render()
    }

    /// Comma-separated values with a header line (RFC 4180 quoting).
    public func csv() -> String {
        func quoted(_ cell: String) -> String {
            guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let lines = [(["key"] + columns).map(quoted)] + zip(keys, rows).map { key, row in
            [quoted(key)] + row.map { $0.isNull ? "" : quoted(Self.text($0)) }
        }
        return lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// An array of objects, one per row, with `key` first.
    public var json: JSON {
        .array(zip(keys, rows).map { key, row in .object([("key", .string(key))] + zip(columns, row).map { ($0, $1) }) })
    }

    private static func text(_ cell: JSON) -> String {
        switch cell {
        case .null: "-"
        case .string(let text): text
        default: cell.serialized()
        }
    }
}

extension CallQuery {
    /// A table of the matching calls (see ``CallTable``); only the requested arguments and,
    /// with `results`, the results are loaded. No match gives an empty table (no rows, no
    /// columns). `progress` is called now and then with the rows done and their total, for
    /// a progress display.
    public func table(
        arguments: TableArguments = [], results: Bool = false, shrinkKeys: Bool = true, progress: ((Int, Int) -> Void)? = nil
    ) throws -> CallTable {
        let calls = try calls()
        guard !calls.isEmpty else { return CallTable(keys: [], columns: [], rows: []) }
        let keys = shrinkKeys ? try cache.shrink(calls.map(\.key)) : calls.map(\.key.hex)

        var columns = ["name", "module"] + (results ? ["result"] : [])
        // Metadata: runtime first, then collectors by name; fields by name.
        var fieldsByCollector: [String: Set<String>] = [:]
        for call in calls {
            for (collector, fields) in call.metadata { fieldsByCollector[collector, default: []].formUnion(fields.keys) }
        }
        let collectors = fieldsByCollector.keys.sorted { ($0 == "runtime" ? 0 : 1, $0) < ($1 == "runtime" ? 0 : 1, $1) }
        var owners: [String: Int] = [:]
        for fields in fieldsByCollector.values { for field in fields { owners[field, default: 0] += 1 } }
        var metadataColumns: [(collector: String, field: String)] = []
        for collector in collectors {
            for field in fieldsByCollector[collector]!.sorted() {
                metadataColumns.append((collector, field))
                columns.append(owners[field]! > 1 || columns.contains(field) ? "\(collector).\(field)" : field)
            }
        }
        let argumentNames: [String]
        switch arguments {
        case .named(let names): argumentNames = names
        case .all:
            var seen = Set<String>()
            argumentNames = calls.flatMap(\.argumentNames).filter { seen.insert($0).inserted }
        }
        for name in argumentNames { columns.append(columns.contains(name) ? "a_" + name : name) }

        let rows = try calls.enumerated().map { index, call -> [JSON] in
            if index % 64 == 0 { progress?(index, calls.count) }
            var row: [JSON] = [.string(call.name), call.module.map(JSON.string) ?? .null]
            if results { row.append(try Self.cell { try call.resultValue() } ?? .null) }
            for (collector, field) in metadataColumns {
                let value = call.metadata[collector]?[field] ?? .null
                let isTime = collector == "runtime" && (field == "timestart" || field == "timestop")
                row.append(isTime ? value.doubleValue.map { .string(Self.localTime($0)) } ?? value : value)
            }
            for name in argumentNames {
                guard let argument = call.record.arguments.first(where: { $0.name == name }) else {
                    row.append(.null)
                    continue
                }
                row.append(try Self.cell { try call.argumentValue(name) } ?? .string(argument.value.digest.hex))
            }
            return row
        }
        return CallTable(keys: keys, columns: columns, rows: rows)
    }

    /// A value's cell, or `nil` when the value is missing from the store.
    private static func cell(_ load: () throws -> Value) throws -> JSON? {
        do {
            return try load().plainJSON
        } catch let error as FlecheError where error.isMiss {
            return nil
        }
    }

    private static func localTime(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(timeZone: .current))
    }
}
