import Foundation
import Testing
import VFIOCore

/// ExitStatus is the one description of the exit codes: the help text is built from it, and the
/// README's "Exit status" table must say the same, so neither can drift from the code.
@Suite struct ExitStatusTests {
    /// The rows `| status | meaning |` of README.md's "Exit status" section, in order.
    static func readmeTable() throws -> [(status: String, meaning: String)] {
        let repo = #filePath.components(separatedBy: "/Tests/")[0]
        let readme = try String(contentsOfFile: repo + "/README.md", encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let heading = lines.firstIndex(of: "## Exit status") else { return [] }
        var rows: [(String, String)] = []
        for line in lines[(heading + 1)...] {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard line.hasPrefix("|"), cells.count == 2, let status = cells.first, Int(status) != nil else { continue }
            rows.append((status, cells[1]))
        }
        return rows
    }

    @Test func readmeTableListsEveryStatusAsTheEnumDescribesIt() throws {
        let table = try Self.readmeTable()
        #expect(table.map(\.status) == ExitStatus.allCases.map { String($0.rawValue) })
        #expect(table.map(\.meaning) == ExitStatus.allCases.map(\.meaning))
    }

    @Test func helpSummaryNamesEveryStatusOnce() {
        let summary = ExitStatus.summary
        #expect(summary.hasPrefix("Exit status: 0 success, or nothing to do; 1 "))
        for status in ExitStatus.allCases {
            #expect(summary.contains("\(status.rawValue) \(status.meaning.replacing("`", with: ""))"))
        }
        #expect(!summary.contains("\n"))
    }
}
