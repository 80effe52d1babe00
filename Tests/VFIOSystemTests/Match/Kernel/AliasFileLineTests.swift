import Testing
@testable import VFIOSystem

/// modules.alias split into lines and words in one walk: the words, a bracket in the pattern and a NUL
/// byte must be found exactly as separate checks of each line would find them.
@Suite struct AliasFileLineTests {
    struct Seen: Equatable {
        var number: Int
        var line: String
        var words: [String]
        var hasMoreWords: Bool
        var patternHasBracket: Bool
    }

    static func scan(_ text: [UInt8]) -> (lines: [Seen], nulLine: Int?) {
        var seen: [Seen] = []
        let nulLine = AliasFileLine.forEach(in: text) { line in
            let words = [line.keyword, line.pattern, line.module].compactMap { $0 }
            seen.append(
                Seen(
                    number: line.number, line: String(decoding: text[line.bytes], as: UTF8.self),
                    words: words.map { String(decoding: text[$0], as: UTF8.self) }, hasMoreWords: line.hasMoreWords,
                    patternHasBracket: line.patternHasBracket))
        }
        return (seen, nulLine)
    }

    @Test func linesAndWords() {
        let text = "alias pci:v*d* mod\n\n  \t alias\tusb:v1*  other \r\n# comment [x]\nalias a b c d\nalias last m"
        let (lines, nulLine) = Self.scan(Array(text.utf8))
        #expect(nulLine == nil)
        #expect(
            lines == [
                Seen(
                    number: 1, line: "alias pci:v*d* mod", words: ["alias", "pci:v*d*", "mod"], hasMoreWords: false,
                    patternHasBracket: false),
                Seen(number: 2, line: "", words: [], hasMoreWords: false, patternHasBracket: false),
                Seen(
                    number: 3, line: "  \t alias\tusb:v1*  other \r", words: ["alias", "usb:v1*", "other"],
                    hasMoreWords: false, patternHasBracket: false),
                Seen(
                    number: 4, line: "# comment [x]", words: ["#", "comment", "[x]"], hasMoreWords: false,
                    patternHasBracket: false),
                Seen(
                    number: 5, line: "alias a b c d", words: ["alias", "a", "b"], hasMoreWords: true,
                    patternHasBracket: false),
                // The last line has no `\n`.
                Seen(
                    number: 6, line: "alias last m", words: ["alias", "last", "m"], hasMoreWords: false,
                    patternHasBracket: false)
            ])
        // A file ending in `\n` has no empty last line.
        #expect(Self.scan(Array("alias p m\n".utf8)).lines.count == 1)
        #expect(Self.scan([]).lines.isEmpty)
    }

    @Test func onlyABracketInThePatternCounts() {
        let text = "[alias pci:v* m\nalias pci:v* m[\nalias pci:v[01]* m\nalias pci:v]* m\nalias a b [c]"
        let (lines, _) = Self.scan(Array(text.utf8))
        #expect(lines.map(\.patternHasBracket) == [false, false, true, true, false])
    }

    @Test func onlyAliasPatternModuleIsAnAlias() {
        let text = Array(
            "alias pci:v* mod\naliases p m\nalia p m\nALIAS p m\nalias p\nalias p m x\n\talias  p\tm\r".utf8)
        var found: [String?] = []
        _ = AliasFileLine.forEach(in: text) { line in
            found.append(
                line.alias(in: text).map {
                    String(decoding: text[$0.pattern], as: UTF8.self) + " "
                        + String(decoding: text[$0.module], as: UTF8.self)
                })
        }
        #expect(found == ["pci:v* mod", nil, nil, nil, nil, nil, "p m"])
    }

    @Test func aNULByteStopsTheWalkAtItsLine() {
        let (lines, nulLine) = Self.scan(
            Array("alias p m\nalias q n\nalias r".utf8) + [0] + Array(" o\nalias s t\n".utf8))
        #expect(nulLine == 3)
        #expect(lines.map(\.number) == [1, 2])
        #expect(Self.scan([0]).nulLine == 1)
        #expect(Self.scan(Array("# a comment".utf8) + [0]).nulLine == 1)
    }
}
