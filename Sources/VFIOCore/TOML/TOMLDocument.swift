/// A TOML value that remembers the line it was written on, so every complaint about a rule file or a
/// desired-state file can say `file:line: what is wrong`.
public struct TOMLValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    public var line: Int

    public var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// Keys in file order, each with the line it was defined on.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: TOMLValue)] = []
    public var line: Int

    public init(line: Int) { self.line = line }

    public subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }

    mutating func set(_ key: String, _ value: TOMLValue) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append((key, value))
        }
    }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.line == b.line && a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A parse or validation failure at a place in a file.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }

    /// `FILE:LINE: MESSAGE` as an invalid-input error (exit status 2).
    public func located(in file: String) -> VFIOError {
        VFIOError(.usage, "\(file):\(line): \(message)")
    }
}
