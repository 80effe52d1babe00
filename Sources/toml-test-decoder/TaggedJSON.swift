import VFIOCore

/// toml-test's JSON form of a document: tables are objects, arrays are arrays, and every other value
/// is `{"type": TYPE, "value": TEXT}` with TEXT a string: integers in decimal, floats as `inf`,
/// `-inf`, `nan` or decimal text, date-times in RFC 3339 with `T` and `Z`.
struct TaggedJSON {
    private(set) var text = ""

    /// Nested no deeper than the parser allows (TOMLTree.maxDepth), so recursion is bounded.
    mutating func append(_ table: TOMLTable) {
        text += "{"
        for (index, entry) in table.entries.enumerated() {
            if index > 0 { text += "," }
            appendString(entry.key)
            text += ":"
            append(entry.value)
        }
        text += "}"
    }

    private mutating func append(_ value: TOMLValue) {
        switch value.kind {
        case .table(let table): append(table)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                append(item)
            }
            text += "]"
        case .string(let string): appendTagged("string", string)
        case .integer(let integer): appendTagged("integer", String(integer))
        case .float(let float): appendTagged("float", Self.text(of: float))
        case .boolean(let flag): appendTagged("bool", flag ? "true" : "false")
        case .dateTime(let dateTime): appendTagged(Self.type(of: dateTime.form), dateTime.description)
        }
    }

    private mutating func appendTagged(_ type: String, _ value: String) {
        text += "{\"type\":"
        appendString(type)
        text += ",\"value\":"
        appendString(value)
        text += "}"
    }

    private static func text(of float: Double) -> String {
        if float.isNaN { return "nan" }
        if float.isInfinite { return float < 0 ? "-inf" : "inf" }
        return float.description
    }

    private static func type(of form: TOMLDateTime.Form) -> String {
        switch form {
        case .offsetDateTime: "datetime"
        case .localDateTime: "datetime-local"
        case .localDate: "date-local"
        case .localTime: "time-local"
        }
    }

    private mutating func appendString(_ string: String) { JSONValue.quote(string, into: &text) }
}
