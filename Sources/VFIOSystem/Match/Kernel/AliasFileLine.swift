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
        var line = AliasFileLine(number: 1, start: 0)
        var wordStart: Int?
        for i in text.indices {
            switch text[i] {
            case UInt8(ascii: "\n"):
                if let s = wordStart { line.add(word: s..<i) }
                wordStart = nil
                line.bytes = line.bytes.lowerBound..<i
                body(line)
                line = AliasFileLine(number: line.number + 1, start: i + 1)
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                if let s = wordStart { line.add(word: s..<i) }
                wordStart = nil
            case 0:
                return line.number
            case UInt8(ascii: "["), UInt8(ascii: "]"):
                if wordStart == nil { wordStart = i }
                if line.wordCount == 1 { line.patternHasBracket = true }
            default:
                if wordStart == nil { wordStart = i }
            }
        }
        // A last line without a `\n`.
        if line.bytes.lowerBound < text.count {
            if let s = wordStart { line.add(word: s..<text.count) }
            line.bytes = line.bytes.lowerBound..<text.count
            body(line)
        }
        return nil
    }

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
