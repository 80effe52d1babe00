import Testing
import VFIOCore

/// The two table writers: columns two spaces apart, the last column unpadded, no trailing blanks,
/// widths in bytes.
@Suite struct TextTableGoldenTests {
    static let header = ["ADDRESS", "IDS", "", "DESCRIPTION"]
    static let rows = [
        ["0000:00:00.0", "8086:29c0", "x", "Host bridge"],
        ["0000:01:00.0", "8086:10d3", "", ""],
        ["0000:a0:1f.7", "1af4:1041", "wider cell", "last  column  keeps  its  spaces   "],
        ["0000:00:02.0", "1b36:000c", "é", "non-ASCII is measured in bytes"]
    ]

    @Test func textTable() {
        var table = TextTable(header: Self.header)
        for row in Self.rows { table.append(row) }
        Golden.check(table.rendered(), "text-table.txt")
    }

    @Test func streamedTableIsTheSameTable() {
        var table = TextTable(header: Self.header)
        for row in Self.rows { table.append(row) }
        var streamed = ""
        StreamedTable<[String]>(header: Self.header, cells: { Array($0.dropLast()) }, last: { $0.last! })
            .write(Self.rows) { streamed += $0 }
        #expect(streamed == table.rendered())
        Golden.check(streamed, "text-table.txt")
    }

    @Test func aTableWithoutRowsIsItsHeader() {
        Golden.check(TextTable(header: Self.header).rendered(), "text-table-empty.txt")
    }
}
