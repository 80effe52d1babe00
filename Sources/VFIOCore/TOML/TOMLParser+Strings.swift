/// TOML's four kinds of string. None may hold a control character but tab (and, in the multi-line
/// kinds, line breaks); a line break in a multi-line string reads as "\n" whether written LF or CRLF.
extension TOMLParser {
    /// `"..."` with escapes, on one line.
    mutating func basicString() throws(TOMLError) -> String {
        position += 1
        // Most strings have no escape: they are taken from the bytes as they are.
        let start = position
        while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), !Self.isControl(byte) {
            position += 1
        }
        if peek() == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: bytes[start..<position - 1], as: UTF8.self)
        }
        var out = Array(bytes[start..<position])
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            default:
                try stringByte(byte, into: &out, multiline: false)
            }
        }
        throw TOMLError(line: line, "unterminated string")
    }

    /// `'...'` as written, on one line.
    mutating func literalString() throws(TOMLError) -> String {
        position += 1
        var out: [UInt8] = []
        while let byte = peek() {
            if byte == UInt8(ascii: "'") {
                position += 1
                return String(decoding: out, as: UTF8.self)
            }
            try stringByte(byte, into: &out, multiline: false)
        }
        throw TOMLError(line: line, "unterminated string")
    }

    /// `"""..."""` with escapes; a line break right after the opening quotes is not part of it,
    /// and a `\` at the end of a line removes the line break and the whitespace that follows.
    mutating func multilineBasicString() throws(TOMLError) -> String {
        let startLine = line
        position += 3
        if atNewline() { consumeNewline() }
        var out: [UInt8] = []
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\""):
                if try closesMultiline(quote: byte, into: &out) { return String(decoding: out, as: UTF8.self) }
            case UInt8(ascii: "\\"):
                if try !lineEndingBackslash() { try escape(into: &out) }
            default:
                try stringByte(byte, into: &out, multiline: true)
            }
        }
        throw TOMLError(line: line, "unterminated multi-line string (opened on line \(startLine))")
    }

    /// `'''...'''` as written; a line break right after the opening quotes is not part of it.
    mutating func multilineLiteralString() throws(TOMLError) -> String {
        let startLine = line
        position += 3
        if atNewline() { consumeNewline() }
        var out: [UInt8] = []
        while let byte = peek() {
            if byte == UInt8(ascii: "'") {
                if try closesMultiline(quote: byte, into: &out) { return String(decoding: out, as: UTF8.self) }
            } else {
                try stringByte(byte, into: &out, multiline: true)
            }
        }
        throw TOMLError(line: line, "unterminated multi-line string (opened on line \(startLine))")
    }

    /// At a quote of a multi-line string: one or two quotes are text; three close the string, and up
    /// to two more just before them are still text (`""""a"""""` is `"a""`).
    private mutating func closesMultiline(quote: UInt8, into out: inout [UInt8]) throws(TOMLError) -> Bool {
        var count = 0
        while peek(count) == quote { count += 1 }
        if count > 5 { throw TOMLError(line: line, "too many quotes (\(count)) at the end of a multi-line string") }
        position += count
        if count < 3 {
            out += repeatElement(quote, count: count)
            return false
        }
        out += repeatElement(quote, count: count - 3)
        return true
    }

    /// At `\` in a multi-line basic string: when only whitespace follows it on its line, skips to
    /// the next character that is not whitespace or a line break and says so.
    private mutating func lineEndingBackslash() throws(TOMLError) -> Bool {
        var ahead = 1
        while let b = peek(ahead), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { ahead += 1 }
        let lineBreak =
            peek(ahead) == UInt8(ascii: "\n")
            || (peek(ahead) == UInt8(ascii: "\r") && peek(ahead + 1) == UInt8(ascii: "\n"))
        guard lineBreak else {
            if ahead > 1 { throw TOMLError(line: line, "'\\' followed by whitespace must end the line") }
            return false
        }
        position += ahead
        while true {
            skipWhitespace()
            guard atNewline() else { return true }
            consumeNewline()
        }
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`: the only escapes of TOML 1.0.
    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        guard let escaped = peek(1) else { throw TOMLError(line: line, "unterminated string") }
        position += 2
        switch escaped {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(escaped)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = escaped == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            for offset in 0..<count {
                guard let digit = peek(offset)?.hexDigitValue else {
                    throw TOMLError(
                        line: line, "invalid unicode escape: \\\(UnicodeScalar(escaped)) needs \(count) hex digits")
                }
                code = code << 4 | UInt32(digit)
            }
            position += count
            // Surrogates and values past U+10FFFF are not Unicode scalar values.
            guard let scalar = Unicode.Scalar(code) else {
                throw TOMLError(
                    line: line, "invalid unicode escape: U+\(upperHex(code, width: 4)) is not a Unicode scalar value")
            }
            out += Array(String(Character(scalar)).utf8)
        default:
            let shown =
                Self.isControl(escaped) || escaped >= 0x80 ? Self.describe(escaped) : "'\\\(UnicodeScalar(escaped))'"
            throw TOMLError(line: line, "invalid escape \(shown) in string")
        }
    }

    /// One byte of string text other than a quote or an escape: line breaks only in multi-line
    /// strings, no other control character but tab.
    private mutating func stringByte(_ byte: UInt8, into out: inout [UInt8], multiline: Bool) throws(TOMLError) {
        if atNewline() {
            guard multiline else { throw TOMLError(line: line, "unterminated string") }
            consumeNewline()
            out.append(UInt8(ascii: "\n"))
            return
        }
        if Self.isControl(byte) && byte != UInt8(ascii: "\t") {
            throw TOMLError(
                line: line,
                "control character \(Self.describe(byte)) in a string (write it as an escape, e.g. \\u\(upperHex(byte, width: 4)))"
            )
        }
        out.append(byte)
        position += 1
    }
}
