import FlecheCache
import FlecheStore
import FlecheValue
/// Rows rendered as aligned columns under a header, for terminals.
public struct TextTable: Sendable {
    /// The column titles.
    public var header: [String]
    /// The cells, row by row.
    public var rows: [[String]]

    /// A table of `rows` under `header`.
    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// The table as text: columns separated by two spaces, padded to their widest cell
    /// (the last column is not padded). Written into one byte buffer, widths of ASCII cells
    /// taken from their byte counts: a million rows (`fleche ls`) built each line from
    /// padded `String`s and counted every cell's characters twice.
    public func render() -> String {
        var widths = header.map(Self.width)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], Self.width(cell)) }
        }
        var out: [UInt8] = []
        out.reserveCapacity((rows.count + 1) * (widths.reduce(0, +) + 2 * widths.count + 1))
        func line(_ cells: [String]) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { out.append(contentsOf: [0x20, 0x20]) }
                var cell = cell
                cell.withUTF8 { out.append(contentsOf: $0) }
                if index != cells.count - 1, index < widths.count {
                    out.append(contentsOf: repeatElement(0x20, count: widths[index] - Self.width(cell)))
                }
            }
        }
        line(header)
        for row in rows {
            out.append(0x0a)
            line(row)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The characters of `cell`: its bytes when it is ASCII without a carriage return (which
    /// would pair with a line feed), else its count of characters.
    static func width(_ cell: String) -> Int {
        cell.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0d } ? cell.utf8.count : cell.count
    }
}
