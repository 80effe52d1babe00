import Testing
@testable import VFIOCore

@Suite struct TOMLParserTests {
    @Test func parsesTablesArraysAndLines() throws {
        let doc = try TOMLParser.parse(
            """
            # comment
            title = "x" # trailing
            [[rule]]
            vendor = "8086"
            drivers = [
              "a",   # one
              'b',
            ]
            priority = -16

            [[rule]]
            deny = ["c"]
            inline = { a = 1, b = true }
            """)
        #expect(doc["title"]?.kind == .string("x"))
        guard case .array(let rules)? = doc["rule"]?.kind, rules.count == 2,
            case .table(let first) = rules[0].kind, case .table(let second) = rules[1].kind
        else { Issue.record("expected two [[rule]] tables"); return }
        #expect(first.line == 3)
        #expect(first["vendor"]?.line == 4)
        #expect(
            first["drivers"]?.kind
                == .array([TOMLValue(kind: .string("a"), line: 6), TOMLValue(kind: .string("b"), line: 7)]))
        #expect(first["priority"]?.kind == .integer(-16))
        guard case .table(let inline)? = second["inline"]?.kind else { Issue.record("inline table"); return }
        #expect(inline["b"]?.kind == .boolean(true))
    }

    /// Tables are changed in place while keys arrive (TOMLTable.update): every key still lands in
    /// the last table of its array, nested arrays of tables included.
    @Test func arraysOfTablesKeepEveryKeyInItsOwnTable() throws {
        let doc = try TOMLParser.parse("[[a]]\nx = 1\n[[a.b]]\ny = 2\n[[a.b]]\ny = 3\nz.w = 5\n[[a]]\nx = 4\n")
        guard case .array(let a)? = doc["a"]?.kind, a.count == 2,
            case .table(let first) = a[0].kind, case .table(let second) = a[1].kind,
            case .array(let b)? = first["b"]?.kind, b.count == 2,
            case .table(let b0) = b[0].kind, case .table(let b1) = b[1].kind, case .table(let z)? = b1["z"]?.kind
        else { Issue.record("structure: \(doc)"); return }
        #expect(first["x"]?.kind == .integer(1) && second["x"]?.kind == .integer(4))
        #expect(b0["y"]?.kind == .integer(2) && b1["y"]?.kind == .integer(3) && z["w"]?.kind == .integer(5))
        #expect(second["b"] == nil)

        let many = (0..<300).map { "[[device]]\naddress = \"\($0)\"\nsince = \($0)\n" }.joined()
        guard case .array(let devices)? = try TOMLParser.parse(many)["device"]?.kind else {
            Issue.record("devices"); return
        }
        #expect(devices.count == 300)
        #expect(
            devices.enumerated().allSatisfy { index, value in
                guard case .table(let table) = value.kind else { return false }
                return table["address"]?.kind == .string("\(index)") && table["since"]?.kind == .integer(index)
                    && table.entries.count == 2
            })
    }

    @Test func dottedKeysAndSubtables() throws {
        let doc = try TOMLParser.parse("a.b = 1\n[t]\nx.y = \"z\"\n[t.u]\nv = 2\n")
        guard case .table(let a)? = doc["a"]?.kind, case .table(let t)? = doc["t"]?.kind,
            case .table(let x)? = t["x"]?.kind, case .table(let u)? = t["u"]?.kind
        else { Issue.record("structure"); return }
        #expect(a["b"]?.kind == .integer(1))
        #expect(x["y"]?.kind == .string("z"))
        #expect(u["v"]?.kind == .integer(2))
    }

    @Test(arguments: [
        ("0", 0), ("-0", 0), ("+5", 5), ("1_000", 1000), ("1733155200", 1_733_155_200), ("0x1F", 31),
        ("0xdead_beef", 0xdead_beef), ("0o17", 15), ("0b101", 5), ("0x00ff", 255), ("0b0000_1111", 15),
        ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min)
    ])
    func integers(text: String, value: Int) throws {
        #expect(try TOMLParser.parse("a = \(text)\n")["a"]?.kind == .integer(value))
    }

    /// TOML 1.0: hex, octal and binary integers take no sign (`-0x10` was read as -16 before).
    @Test(arguments: [
        "01", "1__0", "_1", "1_", "0x", "0x_1", "0xG", "9223372036854775808", "--1", "0b102", "0o8",
        "-0x10", "+0x01", "-0b1", "+0o7", "0X1F", "0x1_", "0x7FFF_FFFF_FFFF_FFFF_F", "-9223372036854775809", "+-1", "00"
    ])
    func notIntegers(text: String) {
        #expect(throws: TOMLError.self) { try TOMLParser.parse("a = \(text)\n") }
        #expect(throws: TOMLError.self) { try TOMLParser.parse("a = [\(text)]\n") }
    }

    @Test(arguments: [
        ("a = 1\na = 2\n", 2, "already defined on line 1"),
        ("a = \"open\n", 1, "unterminated string"),
        ("a = nope\n", 1, "invalid value 'nope'"),
        ("a = \"\\q\"\n", 1, "invalid escape"),
        ("[t]\n[t]\n", 2, "defined twice"),
        ("a = 1 b = 2\n", 1, "after value"),
        ("x = [1, 2\n", 2, "unterminated array"),
        ("a = 1.5.\n", 1, "invalid value '1.5.'"),
        ("a = 2024-13-01\n", 1, "invalid value"),
        ("= 3\n", 1, "expected a key"),
        ("a = \"\"\"x\n\n", 3, "unterminated multi-line string (opened on line 1)"),
        ("a = 1\n[a]\n", 2, "not a table"),
        ("n = 012\n", 1, "invalid value")
    ])
    func errorsNameTheLine(text: String, line: Int, message: String) {
        do {
            _ = try TOMLParser.parse(text)
            Issue.record("expected an error for \(text.debugDescription)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func fieldsRejectUnknownKeysAndWrongTypes() throws {
        let table = try TOMLParser.parse("name = 3\nextra = true\n")
        var fields = TOMLFields(table, context: "the test")
        #expect(throws: TOMLError.self) { _ = try fields.string("name") }
        var lenient = TOMLFields(table, context: "the test")
        _ = try lenient.integer("name")
        do {
            try lenient.finish()
            Issue.record("unknown key accepted")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("unknown key 'extra'"))
        }
    }

    /// Random input never crashes the parser: it parses or reports a line inside the input.
    @Test func randomInputNeverCrashes() {
        var rng = SplitMix(seed: 0xC0FFEE)
        let alphabet = Array("[]{}=\"',.#\\\n \tabc123_-xtrue0x:+eTZ\r\u{7F}\u{1}é".utf8)
        for _ in 0..<3000 {
            let length = Int(rng.next() % 60)
            let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try TOMLParser.parse(text)
            } catch {
                // Counted in bytes: "\r\n" is one Character, but it ends a line too.
                let lines = text.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1
                #expect(error.line >= 1 && error.line <= lines, "line \(error.line) outside \(text.debugDescription)")
            }
        }
    }
}

/// Deterministic generator for the fuzz-style loops.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
