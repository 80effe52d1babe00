/// A TOML value that remembers the line it was written on, so every complaint about a rule file or a
/// desired-state file can say `file:line: what is wrong`.
public struct TOMLValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        /// An offset date-time, a local date-time, a local date or a local time.
        case dateTime(TOMLDateTime)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    public var line: Int

    public init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    public var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .dateTime(let value): value.form.typeName
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// Keys in file order, each with the line it was defined on. Keys are also indexed, so looking one up
/// does not depend on how many the table has.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: TOMLValue)] = []
    private var positions: [String: Int] = [:]
    public var line: Int

    public init(line: Int) { self.line = line }

    /// A table that will hold `capacity` keys: its storage is made once, not grown key by key.
    package init(line: Int, capacity: Int) {
        self.line = line
        entries.reserveCapacity(capacity)
        positions.reserveCapacity(capacity)
    }

    public subscript(key: String) -> TOMLValue? { positions[key].map { entries[$0].value } }

    /// Adds a key the table does not have yet (the parser has checked that it is new).
    package mutating func append(_ key: String, _ value: TOMLValue) {
        precondition(positions[key] == nil, "TOML key '\(key)' added twice")
        positions[key] = entries.count
        entries.append((key, value))
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
