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

    /// The table inside, moved out: `kind` holds a placeholder until it is set again, so the
    /// table returned is the only reference to its storage and changes in place.
    mutating func takeTable() -> TOMLTable? {
        guard case .table(let table) = kind else { return nil }
        kind = .boolean(false)
        return table
    }

    /// The array inside, moved out like `takeTable()`.
    mutating func takeArray() -> [TOMLValue]? {
        guard case .array(let items) = kind else { return nil }
        kind = .boolean(false)
        return items
    }

    var isTable: Bool { if case .table = kind { true } else { false } }

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

    /// Lets `body` change the value at `key` in place, adding `make()` there first when the key is
    /// new. The value is out of the table while `body` runs, so the table holds no second
    /// reference to it: changing one element of an array of tables does not copy the array.
    mutating func update<Failure: Error>(_ key: String, adding make: () -> TOMLValue,
                                         _ body: (inout TOMLValue) throws(Failure) -> Void) throws(Failure) {
        let index: Int
        if let found = entries.firstIndex(where: { $0.key == key }) {
            index = found
        } else {
            entries.append((key, make()))
            index = entries.count - 1
        }
        var value = entries[index].value
        entries[index].value.kind = .boolean(false)
        defer { entries[index].value = value }
        try body(&value)
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
