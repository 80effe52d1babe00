/// A JSON value with object keys kept in the order they were written, so every document vfioctl
/// prints has a stable, documented key order (JSONEncoder offers only unordered or sorted keys).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }

    public static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    public static func optional(_ value: Int?) -> JSONValue { value.map(JSONValue.int) ?? .null }
    public static func optional(_ value: Bool?) -> JSONValue { value.map(JSONValue.bool) ?? .null }
    public static func optional(_ value: (some CustomStringConvertible)?) -> JSONValue {
        value.map { .string($0.description) } ?? .null
    }

    /// Two-space indented, one key per line, newline-terminated.
    public func rendered() -> String {
        var out = ""
        write(to: &out, indent: 0)
        out.append("\n")
        return out
    }

    /// The value as it appears nested `indent` spaces deep in a document (no trailing newline).
    public func rendered(indent: Int) -> String {
        var out = ""
        write(to: &out, indent: indent)
        return out
    }

    /// Writes `{"schema_version": 1, KEY: [ITEMS]}` one item at a time, byte-for-byte what
    /// `document(key, .array(items)).rendered()` would produce, without holding the whole tree:
    /// a 4,096-device list would otherwise keep every device's JSON in memory at once.
    public static func streamDocument<S: Sequence>(
        _ key: String, _ items: S, item: (S.Element) -> JSONValue,
        to out: (String) -> Void
    ) {
        var header = "{\n  "
        quote("schema_version", into: &header)
        header += ": \(JSONSchema.version),\n  "
        quote(key, into: &header)
        header += ": "
        var iterator = items.makeIterator()
        guard var current = iterator.next() else {
            out(header + "[]\n}\n")
            return
        }
        out(header + "[\n")
        while true {
            let next = iterator.next()
            out("    " + item(current).rendered(indent: 4) + (next == nil ? "\n" : ",\n"))
            guard let following = next else { break }
            current = following
        }
        out("  ]\n}\n")
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                item.write(to: &out, indent: indent + 2)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let fields):
            guard !fields.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in fields.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                Self.quote(key, into: &out)
                out += ": "
                value.write(to: &out, indent: indent + 2)
                out += i == fields.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    /// Appends `s` as a JSON string: quote, backslash and control characters escaped, the rest as UTF-8.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + hex(scalar.value, width: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The envelope every `--json` document uses: `{"schema_version": 1, KEY: VALUE}`.
    public static func document(_ key: String, _ value: JSONValue) -> JSONValue {
        .object([("schema_version", .int(JSONSchema.version)), (key, value)])
    }
}

public enum JSONSchema {
    /// Bumped only for incompatible changes; adding keys is compatible.
    public static let version = 1
}
