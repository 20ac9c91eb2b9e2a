/// Why a text is not TOML, and where: the line and column (in characters, from 1) of the
/// first thing the reader could not accept.
struct TOMLSyntaxError: Error, Equatable, CustomStringConvertible {
    /// The line, from 1.
    let line: Int
    /// The column on that line, in Unicode scalars, from 1.
    let column: Int
    /// What is wrong, in a few words ("duplicate key 'root'").
    let reason: String

    /// The error for the byte at `offset` of `bytes`.
    init(_ reason: String, at offset: Int, in bytes: [UInt8]) {
        let end = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        // Continuation bytes (10xxxxxx) do not start a character.
        column = 1 + bytes[lineStart..<end].count { $0 & 0xC0 != 0x80 }
        self.reason = reason
    }

    var description: String { "line \(line), column \(column): \(reason)" }
}
