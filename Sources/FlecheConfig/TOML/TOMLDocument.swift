import FlecheValue

/// The tables of a TOML document as the reader builds them, with the rules of TOML 1.0 on
/// which may be defined or extended where: a key is defined once; a table is defined once,
/// by a `[header]` or by dotted keys but not both; a parent a header created on the way
/// (`[a]` after `[a.b]`) may still be defined once; `[[name]]` appends to an array of tables
/// and to nothing else; inline tables and arrays are complete where they are written.
final class TOMLTable {
    /// How a table came to exist, which decides what may extend it.
    enum Origin {
        /// Created as a parent by a header (`a` of `[a.b]`): a header may still define it.
        case implicit
        /// Defined by a `[header]` or an element of `[[header]]`.
        case header
        /// Created by a dotted key (`a.b = 1` creates `a`): dotted keys may extend it.
        case dotted
    }

    /// One key's entry.
    enum Entry {
        /// A value written after `=` (inline tables and arrays included): complete.
        case value(JSON)
        /// A table that headers or dotted keys may extend.
        case table(TOMLTable)
        /// An array of tables, made and extended by `[[header]]`.
        case tables([TOMLTable])
    }

    var origin: Origin
    private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]

    init(origin: Origin) { self.origin = origin }

    subscript(key: String) -> Entry? { entries[key] }

    /// Sets `key`, keeping the order keys were first written in.
    func set(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { keys.append(key) }
    }

    /// The table as JSON, keys in the order written.
    var json: JSON {
        .object(keys.map { key in
            switch entries[key]! {
            case .value(let value): (key, value)
            case .table(let table): (key, table.json)
            case .tables(let tables): (key, .array(tables.map(\.json)))
            }
        })
    }

    /// The table a `[header]` or `[[header]]` path passes through on the way to its last key:
    /// an existing table (the last element of an array of tables), or a new implicit one.
    func parentForHeader(_ key: String) throws(TOMLRuleError) -> TOMLTable {
        switch self[key] {
        case nil:
            let table = TOMLTable(origin: .implicit)
            set(key, .table(table))
            return table
        case .table(let table)?: return table
        case .tables(let tables)?: return tables[tables.count - 1]
        case .value?: throw TOMLRuleError("'\(key)' is a value, not a table")
        }
    }

    /// Defines the table `[key]` names under this one.
    func defineTable(_ key: String) throws(TOMLRuleError) -> TOMLTable {
        switch self[key] {
        case nil:
            let table = TOMLTable(origin: .header)
            set(key, .table(table))
            return table
        case .table(let table)? where table.origin == .implicit:
            table.origin = .header
            return table
        case .table?, .tables?: throw TOMLRuleError("table '\(key)' is defined twice")
        case .value?: throw TOMLRuleError("'\(key)' is a value, not a table")
        }
    }

    /// Appends a table to the array `[[key]]` names under this one.
    func appendTable(_ key: String) throws(TOMLRuleError) -> TOMLTable {
        let table = TOMLTable(origin: .header)
        switch self[key] {
        case nil: set(key, .tables([table]))
        case .tables(let tables)?: set(key, .tables(tables + [table]))
        case .table?: throw TOMLRuleError("'\(key)' is a table, not an array of tables")
        case .value?: throw TOMLRuleError("'\(key)' is a value, not an array of tables")
        }
        return table
    }

    /// The table a dotted key passes through (`a` of `a.b = 1`): new, or one dotted keys made.
    func parentForDottedKey(_ key: String) throws(TOMLRuleError) -> TOMLTable {
        switch self[key] {
        case nil:
            let table = TOMLTable(origin: .dotted)
            set(key, .table(table))
            return table
        case .table(let table)? where table.origin == .dotted: return table
        case .table?, .tables?: throw TOMLRuleError("table '\(key)' is defined elsewhere; dotted keys cannot add to it")
        case .value?: throw TOMLRuleError("'\(key)' is a value, not a table")
        }
    }

    /// Defines `a.b.c = value` (a key of one part or more) under this table.
    func define(dottedKey path: [String], _ value: JSON) throws(TOMLRuleError) {
        var parent = self
        for part in path.dropLast() { parent = try parent.parentForDottedKey(part) }
        let key = path[path.count - 1]
        guard parent[key] == nil else { throw TOMLRuleError("duplicate key '\(key)'") }
        parent.set(key, .value(value))
    }
}

/// A rule of TOML's table definitions broken; the reader adds where.
struct TOMLRuleError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
