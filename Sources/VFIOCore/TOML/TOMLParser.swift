/// The part of TOML 1.0 that vfioctl's files use: tables, arrays of tables, dotted and quoted keys,
/// basic and literal strings, integers (decimal, 0x, 0o, 0b, with `_`), booleans, arrays (also
/// spanning lines) and inline tables. Dates, floats and multi-line strings are rejected with a
/// clear message rather than half-supported. Hand-written so that every value keeps its line.
public struct TOMLParser {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: document structure

    private mutating func document() throws(TOMLError) -> TOMLTable {
        var root = TOMLTable(line: 1)
        var current: [PathStep] = []
        var definedTables: Set<String> = []
        while true {
            skipWhitespaceAndComments(newlines: true)
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "[") {
                let isArray = peek(1) == UInt8(ascii: "[")
                let headerLine = line
                position += isArray ? 2 : 1
                skipSpaces()
                let keys = try key()
                skipSpaces()
                try expect("]")
                if isArray { try expect("]") }
                try endOfLine()
                let name = keys.joined(separator: ".")
                if isArray {
                    try appendArrayTable(path: keys, into: &root, line: headerLine)
                    current = keys.enumerated().map { PathStep(key: $1, intoLastArrayElement: $0 == keys.count - 1) }
                } else {
                    guard definedTables.insert(name).inserted else {
                        throw TOMLError(line: headerLine, "table [\(name)] is defined twice")
                    }
                    try ensureTable(path: keys.map { PathStep(key: $0, intoLastArrayElement: false) }, in: &root,
                                    line: headerLine)
                    current = keys.map { PathStep(key: $0, intoLastArrayElement: false) }
                }
            } else {
                let pair = try keyValuePair()
                try endOfLine()
                try assign(pair.value, to: pair.keys, under: current, in: &root, line: pair.line)
            }
        }
        return root
    }

    private struct PathStep {
        var key: String
        var intoLastArrayElement: Bool
    }

    private func ensureTable(path: [PathStep], in root: inout TOMLTable, line: Int) throws(TOMLError) {
        try modifyTable(at: path[...], in: &root, line: line) { _ throws(TOMLError) in }
    }

    private func appendArrayTable(path: [String], into root: inout TOMLTable, line: Int) throws(TOMLError) {
        let parent = path.dropLast().map { PathStep(key: $0, intoLastArrayElement: true) }
        let last = path.last!
        try modifyTable(at: parent[...], in: &root, line: line) { table throws(TOMLError) in
            try table.update(last, adding: { TOMLValue(kind: .array([]), line: line) }) { existing throws(TOMLError) in
                guard var items = existing.takeArray(), items.allSatisfy(\.isTable) else {
                    throw TOMLError(line: line, "[[\(path.joined(separator: "."))]] conflicts with key '\(last)' defined on line \(existing.line)")
                }
                items.append(TOMLValue(kind: .table(TOMLTable(line: line)), line: line))
                existing = TOMLValue(kind: .array(items), line: line)
            }
        }
    }

    private func assign(_ value: TOMLValue, to keys: [String], under base: [PathStep], in root: inout TOMLTable,
                        line: Int) throws(TOMLError) {
        let path = keys.count == 1 ? base[...] : (base + keys.dropLast().map { PathStep(key: $0, intoLastArrayElement: false) })[...]
        let last = keys.last!
        try modifyTable(at: path, in: &root, line: line) { table throws(TOMLError) in
            if let existing = table[last] {
                throw TOMLError(line: line, "key '\(keys.joined(separator: "."))' is already defined on line \(existing.line)")
            }
            table.set(last, value)
        }
    }

    /// Walks (creating as needed) to the table at `path` and lets `body` change it. Each table on
    /// the way is taken out of its parent while it changes (`TOMLTable.update`), so a key added to
    /// the last of many `[[device]]` tables copies none of them.
    private func modifyTable(at path: ArraySlice<PathStep>, in table: inout TOMLTable, line: Int,
                             _ body: (inout TOMLTable) throws(TOMLError) -> Void) throws(TOMLError) {
        guard let step = path.first else {
            try body(&table)
            return
        }
        let rest = path.dropFirst()
        try table.update(step.key, adding: { TOMLValue(kind: .table(TOMLTable(line: line)), line: line) }) { child throws(TOMLError) in
            // Taken out and put back (`takeTable`, `takeArray`) rather than matched with `case let`:
            // a matched copy shares storage with the value still in place, and changing it copied
            // the whole array of tables at every key (quadratic in the records of a state file).
            if var inner = child.takeTable() {
                defer { child.kind = .table(inner) }
                try modifyTable(at: rest, in: &inner, line: line, body)
                return
            }
            let endsWithTable = if case .array(let items) = child.kind { items.last?.isTable ?? false } else { false }
            if step.intoLastArrayElement || endsWithTable, var items = child.takeArray() {
                defer { child.kind = .array(items) }
                guard !items.isEmpty, var inner = items[items.count - 1].takeTable() else {
                    throw TOMLError(line: line, "'\(step.key)' is not a table")
                }
                defer { items[items.count - 1].kind = .table(inner) }
                try modifyTable(at: rest, in: &inner, line: line, body)
                return
            }
            throw TOMLError(line: line, "'\(step.key)' is \(child.typeName) (line \(child.line)), not a table")
        }
    }

    // MARK: keys and values

    /// `key = value` from the current position, with the line it starts on (values may span lines).
    private mutating func keyValuePair() throws(TOMLError) -> (keys: [String], value: TOMLValue, line: Int) {
        let keyLine = line
        let keys = try key()
        skipSpaces()
        try expect("=")
        skipSpaces()
        return (keys, try value(), keyLine)
    }

    private mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let byte = peek() else { throw TOMLError(line: line, "expected a key") }
            if byte == UInt8(ascii: "\"") {
                parts.append(try basicString())
            } else if byte == UInt8(ascii: "'") {
                parts.append(try literalString())
            } else {
                let start = position
                while let b = peek(), Self.isBareKeyByte(b) { position += 1 }
                guard position > start else {
                    throw TOMLError(line: line, "expected a key, found '\(Self.describe(byte))'")
                }
                parts.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            position += 1
        }
    }

    private mutating func value() throws(TOMLError) -> TOMLValue {
        let valueLine = line
        guard let byte = peek() else { throw TOMLError(line: line, "expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw TOMLError(line: line, "multi-line strings are not supported here")
            }
            return TOMLValue(kind: .string(try basicString()), line: valueLine)
        case UInt8(ascii: "'"):
            return TOMLValue(kind: .string(try literalString()), line: valueLine)
        case UInt8(ascii: "["):
            return TOMLValue(kind: .array(try array()), line: valueLine)
        case UInt8(ascii: "{"):
            return TOMLValue(kind: .table(try inlineTable()), line: valueLine)
        default:
            let start = position
            while let b = peek(), !Self.isValueTerminator(b) { position += 1 }
            let word = bytes[start..<position]
            if word.elementsEqual("true".utf8) { return TOMLValue(kind: .boolean(true), line: valueLine) }
            if word.elementsEqual("false".utf8) { return TOMLValue(kind: .boolean(false), line: valueLine) }
            if let integer = Self.integer(word) { return TOMLValue(kind: .integer(integer), line: valueLine) }
            if word.isEmpty { throw TOMLError(line: valueLine, "expected a value, found '\(Self.describe(byte))'") }
            let text = String(decoding: word, as: UTF8.self)
            throw TOMLError(line: valueLine, "invalid value '\(text)' (strings need quotes: \"\(text)\")")
        }
    }

    private mutating func array() throws(TOMLError) -> [TOMLValue] {
        position += 1
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceAndComments(newlines: true)
            if peek() == UInt8(ascii: "]") {
                position += 1
                return items
            }
            guard peek() != nil else { throw TOMLError(line: line, "unterminated array") }
            items.append(try value())
            skipWhitespaceAndComments(newlines: true)
            if peek() == UInt8(ascii: ",") {
                position += 1
            } else if peek() == nil {
                throw TOMLError(line: line, "unterminated array")
            } else if peek() != UInt8(ascii: "]") {
                throw TOMLError(line: line, "expected ',' or ']' in array")
            }
        }
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLTable {
        var table = TOMLTable(line: line)
        position += 1
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return table
        }
        while true {
            let pair = try keyValuePair()
            try assign(pair.value, to: pair.keys, under: [], in: &table, line: pair.line)
            skipSpaces()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect("}")
            return table
        }
    }

    private mutating func basicString() throws(TOMLError) -> String {
        position += 1
        // Most strings have no escape: they are taken from the bytes as they are.
        let start = position
        while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte != UInt8(ascii: "\n") {
            position += 1
        }
        if peek() == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: bytes[start..<position - 1], as: UTF8.self)
        }
        var out = Array(bytes[start..<position])
        while let byte = peek() {
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\n"): throw TOMLError(line: line, "unterminated string")
            case UInt8(ascii: "\\"):
                guard let escaped = peek() else { break }
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(escaped)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = escaped == UInt8(ascii: "u") ? 4 : 8
                    guard position + count <= bytes.count,
                          let code = UInt32(String(decoding: bytes[position..<position + count], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw TOMLError(line: line, "invalid unicode escape") }
                    position += count
                    out += Array(String(Character(scalar)).utf8)
                default: throw TOMLError(line: line, "invalid escape '\\\(Self.describe(escaped))' in string")
                }
            default: out.append(byte)
            }
        }
        throw TOMLError(line: line, "unterminated string")
    }

    private mutating func literalString() throws(TOMLError) -> String {
        position += 1
        let start = position
        while let byte = peek() {
            if byte == UInt8(ascii: "'") {
                position += 1
                return String(decoding: bytes[start..<position - 1], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\n") { break }
            position += 1
        }
        throw TOMLError(line: line, "unterminated string")
    }

    // MARK: lexing helpers

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func skipSpaces() {
        while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func skipWhitespaceAndComments(newlines: Bool) {
        while let b = peek() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                position += 1
            } else if b == UInt8(ascii: "\n") && newlines {
                position += 1
                line += 1
            } else if b == UInt8(ascii: "#") {
                while let c = peek(), c != UInt8(ascii: "\n") { position += 1 }
            } else {
                return
            }
        }
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") {
            while let c = peek(), c != UInt8(ascii: "\n") { position += 1 }
        }
        if peek() == UInt8(ascii: "\r") { position += 1 }
        guard let b = peek() else { return }
        guard b == UInt8(ascii: "\n") else {
            throw TOMLError(line: line, "unexpected '\(Self.describe(b))' after value (one key = value per line)")
        }
    }

    private mutating func expect(_ character: Character) throws(TOMLError) {
        let byte = character.asciiValue!
        guard peek() == byte else {
            let found = peek().map { "'\(Self.describe($0))'" } ?? "end of file"
            throw TOMLError(line: line, "expected '\(character)', found \(found)")
        }
        position += 1
    }

    private static func isBareKeyByte(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    private static func isValueTerminator(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
            || b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") || b == UInt8(ascii: "#")
    }

    /// A TOML integer: optional sign, then decimal without leading zeros, or 0x / 0o / 0b digits;
    /// `_` only between digits. Read from the bytes directly: the state files hold one per device.
    static func integer(_ word: ArraySlice<UInt8>) -> Int? {
        var digits = word[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.count > 2, digits.first == UInt8(ascii: "0") {
            switch digits[digits.startIndex + 1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: break
            }
            if radix != 10 { digits = digits.dropFirst(2) }
        }
        guard let first = digits.first, first != UInt8(ascii: "_"), digits.last != UInt8(ascii: "_") else { return nil }
        if radix == 10 && digits.count > 1 && first == UInt8(ascii: "0") { return nil }
        var value = 0
        var previous: UInt8 = 0
        for byte in digits {
            defer { previous = byte }
            if byte == UInt8(ascii: "_") {
                if previous == UInt8(ascii: "_") { return nil }
                continue
            }
            guard let nibble = byte.hexDigitValue, Int(nibble) < radix else { return nil }
            let digit = Int(nibble)
            // Negative values accumulate downwards, so Int.min itself parses.
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: radix)
            let (next, overflowB) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflowA || overflowB { return nil }
            value = next
        }
        return value
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + hex(byte, width: 2)
    }
}
