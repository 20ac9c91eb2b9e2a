import Testing
@testable import FlecheQuery

@Suite("Text tables")
struct TextTableTests {
    @Test("columns pad to their widest cell in characters, the last column is not padded")
    func alignment() {
        let table = TextTable(header: ["KEY", "NAME", "WHEN"], rows: [
            ["ab12", "f", "2026-11-27"],
            ["cd3456", "décalé", "-"],
            ["ef", "日本", "x", "extra"],
            ["a\r\nb", "n", "y"],
        ])
        #expect(table.render() == """
            KEY     NAME    WHEN
            ab12    f       2026-11-27
            cd3456  décalé  -
            ef      日本      x           extra
            a\r\nb     n       y
            """)
        #expect(TextTable(header: ["A"]).render() == "A")
        #expect(TextTable.width("décalé") == 6 && TextTable.width("a\r\nb") == 3 && TextTable.width("abc") == 3)
    }
}
