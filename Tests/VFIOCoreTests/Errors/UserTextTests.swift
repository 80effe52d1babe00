import Testing
import VFIOCore

/// User text in messages: escaped so a terminal shows it instead of acting on it, and cut short.
@Suite struct UserTextTests {
    @Test(arguments: [
        ("\u{1B}[31mred", "\\x1b[31mred"),
        ("a\nb\tc\r", "a\\x0ab\\x09c\\x0d"),
        ("\u{0}\u{7}\u{7F}", "\\x00\\x07\\x7f"),
        ("\u{85}\u{9B}2J", "\\u{85}\\u{9b}2J"),
        ("abc\u{202E}fed", "abc\\u{202e}fed"),
        ("line\u{2028}break", "line\\u{2028}break"),
        ("plain 0000:01:00.0 é 日本", "plain 0000:01:00.0 é 日本")
    ])
    func controlsAreWrittenOut(_ text: String, _ shown: String) {
        #expect(UserText.escaped(text) == shown)
    }

    @Test func shortTextIsQuotedWhole() {
        #expect(UserText.quoted("01:00.0") == "'01:00.0'")
        #expect(
            UserText.quoted(String(repeating: "a", count: UserText.quotedLimit)) == "'"
                + String(repeating: "a", count: 64) + "'")
    }

    @Test func longTextIsCutAndCounted() {
        let quoted = UserText.quoted(String(repeating: "x", count: 100_000))
        #expect(quoted == "'" + String(repeating: "x", count: 64) + "…' (100000 characters)")
    }

    @Test func theCutNeverSplitsAnEscape() {
        let quoted = UserText.quoted(String(repeating: "\u{1B}", count: 100))
        #expect(quoted.hasPrefix("'" + String(repeating: "\\x1b", count: 64) + "…'"))
        #expect(quoted.hasSuffix("(100 characters)"))
    }
}
