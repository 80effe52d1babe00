/// The tables of a document while it is read, and TOML 1.0's rules for defining them.
///
/// Every table is a node in one array and refers to its sub-tables by index, so adding a key to a
/// table deep inside arrays of tables changes that one node (no parent is copied), and each node finds
/// its keys through a dictionary: reading is linear in the size of the document.
///
/// How a table came to exist decides what may still be done to it:
/// - `[a.b]` creates `a` as a *super-table*; a later `[a]` may still define it, once.
/// - `[a]` and `[[a]]` *define* a table: no second `[a]`, and no dotted key from another table reaches in.
/// - `a.b = 1` creates `a` through a dotted key: later keys of the same table may add to it, but not a
///   `[a]` header or the keys of another table; `[a.c]` may still add a sub-table.
/// - An inline table (`a = { b = 1 }`) and an array (`a = [ ... ]`) are values: complete as written.
package struct TOMLTree {
    private enum Origin: Equatable {
        case superTable
        case defined
        /// Created (or first added to) by dotted keys of the table body numbered `section`.
        case dotted(section: Int)
    }

    private enum Slot {
        case value(TOMLValue)
        case table(Int)
        /// An array of tables made by `[[key]]` headers, which later headers may extend.
        case tableArray([Int], line: Int)
    }

    private struct Node {
        var line: Int
        var depth: Int
        var origin: Origin
        var keys: [String] = []
        var slots: [String: Slot] = [:]
    }

    /// Levels of tables, arrays and inline tables inside each other, each part of a dotted key or a
    /// table name counted. Deeper input is refused rather than read with a stack that grows with it.
    package static let maxDepth = 128

    private var nodes: [Node]
    /// The table body that `key = value` lines are added to now: the root, a `[table]`, the latest
    /// element of an `[[array]]`, or an inline table being read.
    package private(set) var current = 0
    private var section = 0

    package init() {
        nodes = [Node(line: 1, depth: 0, origin: .defined)]
    }

    var currentDepth: Int { nodes[current].depth }

    // MARK: headers

    /// `[a.b.c]`: defines the table, creating the super-tables on the way.
    mutating func defineTable(_ path: [String], line: Int) throws(TOMLError) {
        let parent = try walkToParent(of: path, line: line)
        let key = path.last!
        let name = Self.name(path)
        startSection()
        switch nodes[parent].slots[key] {
        case nil:
            current = add(key, to: parent, origin: .defined, line: line)
        case .table(let id):
            switch nodes[id].origin {
            case .superTable:
                nodes[id].origin = .defined
                nodes[id].line = line
                current = id
            case .defined:
                throw TOMLError(line: line, "table [\(name)] is defined twice (first on line \(nodes[id].line))")
            case .dotted:
                throw TOMLError(
                    line: line, "table [\(name)] was already defined with dotted keys on line \(nodes[id].line)")
            }
        case .tableArray(_, let arrayLine):
            throw TOMLError(
                line: line, "[\(name)] is an array of tables (line \(arrayLine)): use [[\(name)]] to add to it")
        case .value(let value):
            throw TOMLError(line: line, "key '\(name)' is already defined on line \(value.line), not a table")
        }
    }

    /// `[[a.b.c]]`: adds a table to the array of tables, creating the array and the super-tables
    /// on the way.
    mutating func appendArrayTable(_ path: [String], line: Int) throws(TOMLError) {
        let parent = try walkToParent(of: path, line: line)
        let key = path.last!
        let name = Self.name(path)
        startSection()
        let element = Node(line: line, depth: nodes[parent].depth + 1, origin: .defined)
        switch nodes[parent].slots[key] {
        case nil:
            nodes.append(element)
            nodes[parent].keys.append(key)
            nodes[parent].slots[key] = .tableArray([nodes.count - 1], line: line)
        case .tableArray(var elements, let arrayLine):
            nodes.append(element)
            // Taken out and put back, so the element list is extended in place, not copied.
            nodes[parent].slots[key] = nil
            elements.append(nodes.count - 1)
            nodes[parent].slots[key] = .tableArray(elements, line: arrayLine)
        case .table(let id):
            throw TOMLError(line: line, "[[\(name)]] conflicts with table [\(name)] defined on line \(nodes[id].line)")
        case .value(let value):
            let what = if case .array = value.kind { "a static array" } else { "key '\(key)'" }
            throw TOMLError(
                line: line, "[[\(name)]] conflicts with \(what) defined on line \(value.line) (it cannot be extended)")
        }
        current = nodes.count - 1
    }

    /// The table that holds the last part of a header's name: each part before it must be a table
    /// or an array of tables (then its latest element), and is created as a super-table when new.
    private mutating func walkToParent(of path: [String], line: Int) throws(TOMLError) -> Int {
        try checkDepth(path.count, line: line)
        var id = 0
        for (index, key) in path.dropLast().enumerated() {
            switch nodes[id].slots[key] {
            case nil:
                id = add(key, to: id, origin: .superTable, line: line)
            case .table(let child):
                id = child
            case .tableArray(let elements, _):
                id = elements.last!
            case .value(let value):
                throw TOMLError(line: line, "'\(Self.name(path.prefix(index + 1)))' is \(Self.describe(value))")
            }
        }
        return id
    }

    // MARK: key = value

    /// `a.b.c = value` in the current table body.
    mutating func assign(_ path: [String], _ value: TOMLValue, line: Int) throws(TOMLError) {
        var id = current
        for (index, key) in path.dropLast().enumerated() {
            switch nodes[id].slots[key] {
            case nil:
                id = add(key, to: id, origin: .dotted(section: section), line: line)
            case .table(let child):
                switch nodes[child].origin {
                case .dotted(let owner) where owner == section:
                    break
                case .superTable:
                    // Named by a header's path only until now: from here on it is this body's.
                    nodes[child].origin = .dotted(section: section)
                    nodes[child].line = line
                case .defined, .dotted:
                    throw TOMLError(
                        line: line,
                        "cannot add '\(Self.name(path))' with a dotted key: "
                            + "table '\(Self.name(path.prefix(index + 1)))' was completed on line \(nodes[child].line)")
                }
                id = child
            case .tableArray(_, let arrayLine):
                throw TOMLError(
                    line: line,
                    "cannot add '\(Self.name(path))' with a dotted key: '\(Self.name(path.prefix(index + 1)))' is an array of tables (line \(arrayLine))"
                )
            case .value(let existing):
                throw TOMLError(line: line, "'\(Self.name(path.prefix(index + 1)))' is \(Self.describe(existing))")
            }
        }
        let key = path.last!
        if let existing = nodes[id].slots[key] {
            throw TOMLError(line: line, "key '\(Self.name(path))' is already defined on line \(lineOf(existing))")
        }
        nodes[id].keys.append(key)
        nodes[id].slots[key] = .value(value)
    }

    // MARK: inline tables

    /// Starts reading `{ ... }` as a table body of its own, at `depth`; `endInline` gives it back
    /// as a value and returns to the table body that was current.
    mutating func beginInline(depth: Int, line: Int) -> (node: Int, resume: (current: Int, section: Int)) {
        let resume = (current, section)
        nodes.append(Node(line: line, depth: depth, origin: .defined))
        current = nodes.count - 1
        startSection()
        return (current, resume)
    }

    mutating func endInline(_ node: Int, resume: (current: Int, section: Int)) -> TOMLTable {
        let table = table(node)
        // Its nodes are not needed again: the value holds the table now.
        nodes.removeSubrange(node...)
        (current, section) = resume
        return table
    }

    // MARK: helpers

    /// The finished document.
    package func document() -> TOMLTable { table(0) }

    /// Recursive, but only as deep as `maxDepth` allows.
    private func table(_ id: Int) -> TOMLTable {
        let node = nodes[id]
        var out = TOMLTable(line: node.line, capacity: node.keys.count)
        for key in node.keys {
            switch node.slots[key]! {
            case .value(let value):
                out.append(key, value)
            case .table(let child):
                out.append(key, TOMLValue(kind: .table(table(child)), line: nodes[child].line))
            case .tableArray(let elements, let line):
                let tables = elements.map { TOMLValue(kind: .table(table($0)), line: nodes[$0].line) }
                out.append(key, TOMLValue(kind: .array(tables), line: line))
            }
        }
        return out
    }

    /// Starts a new table body: dotted keys of earlier ones can no longer be added to.
    private mutating func startSection() {
        section += 1
    }

    private mutating func add(_ key: String, to parent: Int, origin: Origin, line: Int) -> Int {
        nodes.append(Node(line: line, depth: nodes[parent].depth + 1, origin: origin))
        nodes[parent].keys.append(key)
        nodes[parent].slots[key] = .table(nodes.count - 1)
        return nodes.count - 1
    }

    private func lineOf(_ slot: Slot) -> Int {
        switch slot {
        case .value(let value): value.line
        case .table(let id): nodes[id].line
        case .tableArray(_, let line): line
        }
    }

    /// Refuses a key of `parts` parts below the current table body if it would nest too deep.
    func checkDepth(_ parts: Int, below base: Int = 0, line: Int) throws(TOMLError) {
        if base + parts > Self.maxDepth {
            throw Self.tooDeep(line: line)
        }
    }

    /// What a value that cannot take more keys is, for an error: inline tables and arrays are
    /// complete as written.
    private static func describe(_ value: TOMLValue) -> String {
        switch value.kind {
        case .table: "an inline table (line \(value.line)), complete as written: it cannot be extended"
        case .array: "an array (line \(value.line)), complete as written: not a table"
        default: "\(value.typeName) (line \(value.line)), not a table"
        }
    }

    static func tooDeep(line: Int) -> TOMLError {
        TOMLError(
            line: line, "nested more than \(maxDepth) levels deep (tables, arrays, inline tables and dotted key parts)")
    }

    private static func name(_ path: some Collection<String>) -> String {
        path.map { key in
            key.utf8.allSatisfy { TOMLParser.isBareKeyByte($0) } && !key.isEmpty ? key : TOMLParser.quoted(key)
        }.joined(separator: ".")
    }
}
