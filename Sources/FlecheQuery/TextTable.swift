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
    /// (the last column is not padded).
    public func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 || index >= widths.count
                    ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
