/// Left-aligned columns separated by two spaces; the last column is not padded.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ row: [String]) { rows.append(row) }

    public func rendered() -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count - 1 { widths[i] = max(widths[i], cell.utf8.count) }
        }
        var out = ""
        for row in all {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell
                if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - cell.utf8.count + 2) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}

/// A table written row by row: widths come from a first pass over the rows, then each line goes
/// straight to the output. The last column is not padded, so it is not measured either.
public struct StreamedTable<Row> {
    public var header: [String]
    /// Every column but the last.
    public var cells: (Row) -> [String]
    public var last: (Row) -> String

    public init(header: [String], cells: @escaping (Row) -> [String], last: @escaping (Row) -> String) {
        self.header = header
        self.cells = cells
        self.last = last
    }

    public func write(_ rows: [Row], to out: (String) -> Void) {
        var widths = header.dropLast().map(\.utf8.count)
        for row in rows {
            for (i, cell) in cells(row).enumerated() where i < widths.count {
                widths[i] = max(widths[i], cell.utf8.count)
            }
        }
        func line(_ padded: [String], _ tail: String) -> String {
            var text = ""
            for (i, cell) in padded.enumerated() {
                text += cell
                text += String(repeating: " ", count: widths[i] - cell.utf8.count + 2)
            }
            text += tail
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        out(line(Array(header.dropLast()), header.last ?? ""))
        for row in rows { out(line(cells(row), last(row))) }
    }
}
