/// One line of modules.alias, split into its first blank-separated words.
///
/// Most of the file's 26k lines concern other buses or, when the devices are named, other vendors: a
/// lookup only checks them for what would make modprobe skip them (not `alias PATTERN MODULE`, an
/// unmatched bracket) and for a NUL byte (not a text file). `forEach` finds the lines, their words, a
/// bracket in the pattern and a NUL byte in the same walk over the file, so that each byte is looked
/// at once rather than once per check. A line holds positions in the file's bytes, not slices of
/// them, so that passing it on retains nothing.
struct AliasFileLine {
    /// 1-based.
    let number: Int
    /// Where the line is, without its `\n`.
    private(set) var bytes: Range<Int>
    /// Where the first three words are (`alias`, the pattern, the module); nil where the line has fewer.
    private(set) var keyword: Range<Int>?
    private(set) var pattern: Range<Int>?
    private(set) var module: Range<Int>?
    /// The line has a fourth word.
    private(set) var hasMoreWords = false
    /// The second word has a `[` or `]`: only a bracket can make a pattern fail to normalise.
    private(set) var patternHasBracket = false

    private var wordCount = 0

    private init(number: Int, start: Int) {
        self.number = number
        bytes = start..<start
    }

    /// Calls `body` with each line in order. Returns the number of the first line with a NUL byte
    /// (that line and those after it are not visited), or nil when the file has none.
    static func forEach(in text: [UInt8], _ body: (AliasFileLine) -> Void) -> Int? {
        var i = 0
        var number = 1
        while i < text.count {
            var line = AliasFileLine(number: number, start: i)
            while i < text.count && text[i] != UInt8(ascii: "\n") {
                switch text[i] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    i += 1
                case 0:
                    return number
                default:
                    let start = i
                    let inPattern = line.wordCount == 1
                    while i < text.count && !endsWord(text[i]) {
                        if inPattern && (text[i] == UInt8(ascii: "[") || text[i] == UInt8(ascii: "]")) {
                            line.patternHasBracket = true
                        }
                        i += 1
                    }
                    line.add(word: start..<i)
                }
            }
            line.bytes = line.bytes.lowerBound..<i
            body(line)
            i += 1  // past the `\n`
            number += 1
        }
        return nil
    }

    /// A blank, the end of the line or a NUL byte: all are at most a space, which most bytes of a
    /// word are not.
    private static func endsWord(_ b: UInt8) -> Bool {
        b <= UInt8(ascii: " ")
            && (b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
                || b == UInt8(ascii: "\n") || b == 0)
    }

    /// Where the pattern and the module are, for an `alias PATTERN MODULE` line; nil for any other.
    func alias(in text: [UInt8]) -> (pattern: Range<Int>, module: Range<Int>)? {
        guard let keyword, let pattern, let module, !hasMoreWords, keyword.count == Self.aliasKeyword.count
        else { return nil }
        for (offset, expected) in Self.aliasKeyword.enumerated() where text[keyword.lowerBound + offset] != expected {
            return nil
        }
        return (pattern, module)
    }

    private static let aliasKeyword = Array("alias".utf8)

    private mutating func add(word: Range<Int>) {
        switch wordCount {
        case 0: keyword = word
        case 1: pattern = word
        case 2: module = word
        default: hasMoreWords = true
        }
        wordCount += 1
    }
}
