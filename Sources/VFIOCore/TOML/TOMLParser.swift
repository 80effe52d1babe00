/// A TOML 1.0 reader (https://toml.io/en/v1.0.0): every valid document is read, every invalid one is
/// refused with the line of the fault. Hand-written so that every value keeps its line, for the
/// `FILE:LINE:` errors of the schema readers above it.
///
/// Its limits, beyond the specification: nesting is at most `TOMLTree.maxDepth` levels (an error,
/// never a deep stack), integers are 64-bit as the specification requires, and leap seconds and
/// year 0 are refused as most date libraries refuse them.
///
/// Strings are read in TOMLParser+Strings.swift, unquoted values in TOMLScalars, and the rules for
/// defining tables live in TOMLTree.
public struct TOMLParser {
    /// The deepest nesting a document may have (tables, arrays, inline tables, dotted key parts).
    public static var nestingLimit: Int { TOMLTree.maxDepth }

    package let bytes: [UInt8]
    package var position = 0
    package var line = 1
    package var tree = TOMLTree()
    /// The line of every `[table]` and `[[array]]` header, in file order: where a text edit of the
    /// document may cut (a line inside a multi-line string or array is never a header).
    package private(set) var headerLines: [Int] = []

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.document()
    }

    /// The document and the lines of its table headers (see `headerLines`).
    package static func parseWithHeaders(_ text: String) throws(TOMLError) -> (table: TOMLTable, headerLines: [Int]) {
        var parser = TOMLParser(bytes: Array(text.utf8))
        let table = try parser.document()
        return (table, parser.headerLines)
    }

    /// Reads raw bytes, which must be UTF-8.
    public static func parse(bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        try UTF8Check.validate(bytes)
        var parser = TOMLParser(bytes: bytes)
        return try parser.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: document structure

    /// Lines of `[table]`, `[[array of tables]]`, `key = value`, comments and blank lines.
    private mutating func document() throws(TOMLError) -> TOMLTable {
        while true {
            skipWhitespace()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                break
            case UInt8(ascii: "["):
                try header()
            default:
                let keyLine = line
                let keys = try key()
                try tree.checkDepth(keys.count, below: tree.currentDepth, line: keyLine)
                let value = try valueAfterEquals(depth: tree.currentDepth + keys.count)
                try tree.assign(keys, value, line: keyLine)
            }
            try endOfLine()
        }
        return tree.document()
    }

    /// `[a.b]` or `[[a.b]]`, brackets of the second kind side by side.
    private mutating func header() throws(TOMLError) {
        let headerLine = line
        headerLines.append(headerLine)
        let isArray = peek(1) == UInt8(ascii: "[")
        position += isArray ? 2 : 1
        let keys = try key()
        try expect("]")
        if isArray {
            guard peek() == UInt8(ascii: "]") else {
                throw TOMLError(
                    line: line,
                    "expected ']' to close [[\(keys.joined(separator: "."))]] (an array of tables ends with ']]')")
            }
            position += 1
            try tree.appendArrayTable(keys, line: headerLine)
        } else {
            try tree.defineTable(keys, line: headerLine)
        }
    }

    // MARK: keys and values

    /// A bare, quoted or dotted key, with the whitespace around it.
    package mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipWhitespace()
            guard let byte = peek() else { throw TOMLError(line: line, "expected a key, found end of file") }
            switch byte {
            case UInt8(ascii: "\""):
                parts.append(try basicString())
            case UInt8(ascii: "'"):
                parts.append(try literalString())
            default:
                let start = position
                while let b = peek(), Self.isBareKeyByte(b) { position += 1 }
                guard position > start else {
                    throw TOMLError(line: line, "expected a key, found \(describeNext())")
                }
                parts.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            // Counted as they come: a key of 20,000 parts stops at the limit.
            if parts.count > TOMLTree.maxDepth { throw TOMLTree.tooDeep(line: line) }
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return parts }
            position += 1
        }
    }

    /// `= value` after a key; `depth` is where an array or inline table value would nest.
    private mutating func valueAfterEquals(depth: Int) throws(TOMLError) -> TOMLValue {
        skipWhitespace()
        try expect("=")
        skipWhitespace()
        return try value(depth: depth)
    }

    private mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        let valueLine = line
        guard let byte = peek() else { throw TOMLError(line: line, "expected a value, found end of file") }
        switch byte {
        case UInt8(ascii: "\""):
            let text = try startsWith("\"\"\"") ? multilineBasicString() : basicString()
            return TOMLValue(kind: .string(text), line: valueLine)
        case UInt8(ascii: "'"):
            let text = try startsWith("'''") ? multilineLiteralString() : literalString()
            return TOMLValue(kind: .string(text), line: valueLine)
        case UInt8(ascii: "["):
            return TOMLValue(kind: .array(try array(depth: depth)), line: valueLine)
        case UInt8(ascii: "{"):
            return TOMLValue(kind: .table(try inlineTable(depth: depth)), line: valueLine)
        default:
            let word = unquotedWord()
            if let kind = TOMLScalars.value(word) { return TOMLValue(kind: kind, line: valueLine) }
            if word.isEmpty { throw TOMLError(line: valueLine, "expected a value, found \(describeNext())") }
            let text = String(decoding: word, as: UTF8.self)
            throw TOMLError(
                line: valueLine, "invalid value '\(text)'" + (TOMLScalars.hint(for: word).map { " (\($0))" } ?? ""))
        }
    }

    /// The characters of a number, boolean or date-time. A date followed by one space and a time
    /// is one word: `1979-05-27 07:32:00Z`.
    private mutating func unquotedWord() -> ArraySlice<UInt8> {
        let start = position
        skipWordBytes()
        if position - start == 10, bytes[start + 4] == UInt8(ascii: "-"), peek() == UInt8(ascii: " "),
            let h1 = peek(1), let h2 = peek(2), peek(3) == UInt8(ascii: ":"),
            Self.isDigit(h1), Self.isDigit(h2)
        {
            position += 1
            skipWordBytes()
        }
        return bytes[start..<position]
    }

    private mutating func skipWordBytes() {
        while let b = peek(),
            Self.isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
        {
            position += 1
        }
    }

    /// `[ v, v, ... ]`, over lines and comments, a comma after the last value allowed. `depth` is
    /// this array's own level.
    private mutating func array(depth: Int) throws(TOMLError) -> [TOMLValue] {
        if depth > TOMLTree.maxDepth { throw TOMLTree.tooDeep(line: line) }
        position += 1
        var items: [TOMLValue] = []
        while true {
            try skipBlankLines()
            if peek() == UInt8(ascii: "]") {
                position += 1
                return items
            }
            guard peek() != nil else { throw TOMLError(line: line, "unterminated array") }
            items.append(try value(depth: depth + 1))
            try skipBlankLines()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): break
            case nil: throw TOMLError(line: line, "unterminated array")
            default: throw TOMLError(line: line, "expected ',' or ']' in array, found \(describeNext())")
            }
        }
    }

    /// `{ k = v, k = v }` on one line (values may span lines), no comma after the last pair.
    private mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLTable {
        if depth > TOMLTree.maxDepth { throw TOMLTree.tooDeep(line: line) }
        let (node, resume) = tree.beginInline(depth: depth, line: line)
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return tree.endInline(node, resume: resume)
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                throw TOMLError(line: line, "no ',' after the last key of an inline table")
            }
            if atNewline() { throw TOMLError(line: line, "an inline table must stay on one line") }
            let keyLine = line
            let keys = try key()
            try tree.checkDepth(keys.count, below: depth, line: keyLine)
            let value = try valueAfterEquals(depth: depth + keys.count)
            try tree.assign(keys, value, line: keyLine)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                position += 1
                return tree.endInline(node, resume: resume)
            case nil:
                throw TOMLError(line: line, "unterminated inline table")
            default:
                if atNewline() { throw TOMLError(line: line, "an inline table must stay on one line") }
                throw TOMLError(line: line, "expected ',' or '}' in inline table, found \(describeNext())")
            }
        }
    }

    // MARK: whitespace, comments, lines

    func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    func startsWith(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return text.withUTF8Buffer { bytes[position..<position + count].elementsEqual($0) }
    }

    mutating func skipWhitespace() {
        while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { position += 1 }
    }

    /// At LF or CRLF.
    func atNewline() -> Bool {
        peek() == UInt8(ascii: "\n") || (peek() == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n"))
    }

    /// Past LF or CRLF (the caller has seen `atNewline()`).
    mutating func consumeNewline() {
        position += peek() == UInt8(ascii: "\r") ? 2 : 1
        line += 1
    }

    /// `# ...` to the end of the line, which may hold no control character but tab.
    private mutating func skipComment() throws(TOMLError) {
        guard peek() == UInt8(ascii: "#") else { return }
        while let b = peek(), !atNewline() {
            if Self.isControl(b) && b != UInt8(ascii: "\t") {
                throw TOMLError(line: line, "control character \(Self.describe(b)) in a comment")
            }
            position += 1
        }
    }

    /// Whitespace, comments and line breaks, as allowed between the values of an array.
    private mutating func skipBlankLines() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            guard atNewline() else { return }
            consumeNewline()
        }
    }

    /// After a header or a key/value pair: whitespace, an optional comment, then a line break or
    /// the end of the file.
    private mutating func endOfLine() throws(TOMLError) {
        skipWhitespace()
        try skipComment()
        if atNewline() {
            consumeNewline()
        } else if let b = peek() {
            if b == UInt8(ascii: "\r") { throw TOMLError(line: line, "carriage return without a line feed") }
            throw TOMLError(line: line, "unexpected \(Self.describe(b)) after value (one key = value per line)")
        }
    }

    package mutating func expect(_ character: Character) throws(TOMLError) {
        guard peek() == character.asciiValue! else {
            throw TOMLError(line: line, "expected '\(character)', found \(describeNext())")
        }
        position += 1
    }

    // MARK: bytes

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }

    /// U+0000 to U+001F and U+007F: TOML allows only tab, and line breaks where lines may break.
    static func isControl(_ b: UInt8) -> Bool { b < 0x20 || b == 0x7F }

    func describeNext() -> String {
        peek().map { Self.describe($0) } ?? "end of file"
    }

    package static func describe(_ byte: UInt8) -> String {
        if byte == UInt8(ascii: "\n") { return "end of line" }
        return byte >= 0x20 && byte < 0x7F ? "'\(UnicodeScalar(byte))'" : "U+" + upperHex(byte, width: 4)
    }

    /// `key` as a TOML basic string, for messages that name a key that is not bare.
    package static func quoted(_ key: String) -> String {
        var out = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u" + hex(UInt8(scalar.value), width: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
