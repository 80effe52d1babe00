/// Typed, checked access to one TOML table of a known shape: every accessor says exactly what was
/// expected and where, and `finish()` rejects keys nobody asked for (a typo must not be ignored).
public struct TOMLFields {
    public let table: TOMLTable
    public let context: String
    private var known: [String] = []

    public init(_ table: TOMLTable, context: String) {
        self.table = table
        self.context = context
    }

    public mutating func string(_ key: String) throws(TOMLError) -> (String, line: Int)? {
        known.append(key)
        guard let value = table[key] else { return nil }
        guard case .string(let text) = value.kind else { throw wrongType(key, value, expected: "a string") }
        return (text, value.line)
    }

    public mutating func strings(_ key: String, allowSingle: Bool = true) throws(TOMLError) -> ([String], line: Int)? {
        known.append(key)
        guard let value = table[key] else { return nil }
        switch value.kind {
        case .string(let text) where allowSingle: return ([text], value.line)
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let text) = item.kind else {
                    throw TOMLError(line: item.line, "'\(key)' in \(context) must list strings, found \(item.typeName)")
                }
                out.append(text)
            }
            return (out, value.line)
        default:
            throw wrongType(
                key, value, expected: allowSingle ? "a string or an array of strings" : "an array of strings")
        }
    }

    public mutating func integer(_ key: String) throws(TOMLError) -> (Int, line: Int)? {
        known.append(key)
        guard let value = table[key] else { return nil }
        guard case .integer(let number) = value.kind else { throw wrongType(key, value, expected: "an integer") }
        return (number, value.line)
    }

    public mutating func boolean(_ key: String) throws(TOMLError) -> (Bool, line: Int)? {
        known.append(key)
        guard let value = table[key] else { return nil }
        guard case .boolean(let flag) = value.kind else { throw wrongType(key, value, expected: "true or false") }
        return (flag, value.line)
    }

    public mutating func tables(_ key: String) throws(TOMLError) -> [TOMLTable] {
        known.append(key)
        guard let value = table[key] else { return [] }
        guard case .array(let items) = value.kind else { throw wrongType(key, value, expected: "[[\(key)]] tables") }
        var out: [TOMLTable] = []
        for item in items {
            guard case .table(let inner) = item.kind else {
                throw TOMLError(line: item.line, "'\(key)' must be a list of tables ([[\(key)]])")
            }
            out.append(inner)
        }
        return out
    }

    /// A value parsed by `parse`, with `what` naming the expected form in the error.
    public mutating func parsed<T>(_ key: String, as what: String, _ parse: (String) -> T?) throws(TOMLError) -> T? {
        guard let (text, line) = try string(key) else { return nil }
        guard let value = parse(text) else {
            throw TOMLError(line: line, "invalid \(key) '\(text)' in \(context): expected \(what)")
        }
        return value
    }

    public func finish() throws(TOMLError) {
        for (key, value) in table.entries where !known.contains(key) {
            throw TOMLError(
                line: value.line, "unknown key '\(key)' in \(context) (known keys: \(known.joined(separator: ", ")))")
        }
    }

    private func wrongType(_ key: String, _ value: TOMLValue, expected: String) -> TOMLError {
        TOMLError(line: value.line, "'\(key)' in \(context) must be \(expected), found \(value.typeName)")
    }
}
