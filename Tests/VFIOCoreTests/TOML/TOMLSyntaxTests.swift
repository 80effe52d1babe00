import Testing
@testable import VFIOCore

/// TOML 1.0's syntax rules, one test per rule: what each accepts and what it refuses, with the line.
/// Only strings, integers, booleans, arrays and tables are looked at here (the value kinds vfioctl's
/// files use); TOMLValueKindsTests covers floats and date-times.
@Suite struct TOMLSyntaxTests {
    private func string(_ text: String, _ key: String = "a") throws -> String? {
        guard case .string(let value)? = try TOMLParser.parse(text)[key]?.kind else { return nil }
        return value
    }

    /// The document is refused, at `line`, with `message` in the error.
    private func refuses(
        _ text: String, line: Int, _ message: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        do {
            let table = try TOMLParser.parse(text)
            Issue.record(
                "accepted \(text.debugDescription.prefix(200)) as \(String(describing: table).prefix(200))",
                sourceLocation: sourceLocation)
        } catch {
            #expect(error.line == line, "\(text.debugDescription): \(error)", sourceLocation: sourceLocation)
            #expect(
                message.isEmpty || error.message.contains(message), "\(text.debugDescription): \(error)",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: strings

    @Test func basicStringEscapes() throws {
        #expect(try string(#"a = "\b\t\n\f\r\"\\""#) == "\u{8}\t\n\u{C}\r\"\\")
        #expect(try string(#"a = "\u00E9\u00e9 \U0001F600 \U0010FFFF""#) == "éé 😀 \u{10FFFF}")
        #expect(try string(#"a = "\u0000""#) == "\u{0}")
    }

    @Test(arguments: [#"\e"#, #"\x41"#, #"\/"#, #"\ "#, #"\a"#, #"\0"#, #"\u00"#, #"\u00G0"#, #"\U0000004"#])
    func invalidEscapes(escape: String) {
        refuses("a = \"\(escape)\"\n", line: 1)
    }

    /// `\u` and `\U` must name a Unicode scalar value: no surrogate, nothing past U+10FFFF.
    @Test(arguments: [#"\uD800"#, #"\uDFFF"#, #"\U0000DBFF"#, #"\U00110000"#, #"\UFFFFFFFF"#])
    func escapesOutsideUnicodeScalars(escape: String) {
        refuses("x = 1\na = \"\(escape)\"\n", line: 2, "not a Unicode scalar value")
    }

    @Test func multilineBasicStrings() throws {
        #expect(try string("a = \"\"\"\nRoses\nViolets\"\"\"\n") == "Roses\nViolets")
        #expect(try string("a = \"\"\"\r\nRoses\r\nViolets\"\"\"\r\n") == "Roses\nViolets", "CRLF reads as LF")
        #expect(try string("a = \"\"\"\n\nx\"\"\"\n") == "\nx", "only the first line break is dropped")
        #expect(try string("a = \"\"\"The quick \\\n\n   brown \\   \n\t fox\"\"\"\n") == "The quick brown fox")
        #expect(try string("a = \"\"\"\\\n  \\\n  x\\\n  \"\"\"\n") == "x")
        #expect(try string("a = \"\"\"two \"\" and \\\"\"\" three\"\"\"\n") == "two \"\" and \"\"\" three")
        #expect(try string("a = \"\"\"\"quoted\"\"\"\"\"\n") == "\"quoted\"\"")
        #expect(try string("a = \"\"\"\\u0041\\tb\"\"\"\n") == "A\tb")
        // The key after a multi-line string is on the line it is on.
        let table = try TOMLParser.parse("a = \"\"\"\none\ntwo\n\"\"\"\nb = 1\n")
        #expect(table["b"]?.line == 5)
    }

    @Test func multilineBasicStringErrors() {
        refuses("a = \"\"\"x\"\"\"\"\"\"\n", line: 1, "too many quotes")
        refuses("a = \"\"\"x \\ y\"\"\"\n", line: 1, "must end the line")
        refuses("a = \"\"\"\nx\n", line: 3, "unterminated multi-line string (opened on line 1)")
        refuses("a = \"\"\"x\ry\"\"\"\n", line: 1, "control character")
        refuses("a = \"\"\"ok\n\u{1}\"\"\"\n", line: 2, "control character U+0001")
        refuses("a = \"\"\"x\"\"\" \"\"\n", line: 1, "after value")
    }

    @Test func literalStrings() throws {
        #expect(try string(#"a = 'C:\Users\nodejs\templates'"#) == #"C:\Users\nodejs\templates"#)
        #expect(try string("a = 'Tom \"Dubs\" P'\n") == "Tom \"Dubs\" P")
        #expect(try string("a = ''\n") == "")
        #expect(try string("a = '''\nfirst\n  second\\n'''\n") == "first\n  second\\n")
        #expect(try string("a = '''I [dw]on't need \\d{2}'''\n") == "I [dw]on't need \\d{2}")
        #expect(try string("a = ''''That,' she said''''\n") == "'That,' she said'")
        #expect(try string("a = '''\r\nx\r\ny'''\n") == "x\ny")
        refuses("a = '''x''''''\n", line: 1, "too many quotes")
        refuses("a = 'x\ny'\n", line: 1, "unterminated string")
        refuses("a = '''x\n", line: 2, "unterminated multi-line string")
    }

    /// No control character but tab in any string kind or comment (U+007F included).
    @Test(arguments: ["\u{0}", "\u{1}", "\u{8}", "\u{B}", "\u{C}", "\u{1F}", "\u{7F}", "\r"])
    func controlCharactersAreRefused(character: String) {
        refuses("a = \"x\(character)\"\n", line: 1, "control character")
        refuses("a = 'x\(character)'\n", line: 1, "control character")
        refuses("a = \"\"\"x\(character)\"\"\"\n", line: 1, "control character")
        refuses("a = '''x\(character)'''\n", line: 1, "control character")
        refuses("a = 1 # x\(character)y\n", line: 1, "control character")
        refuses("# x\(character)y\na = 1\n", line: 1, "control character")
    }

    @Test func tabsAreAllowedInStringsAndComments() throws {
        #expect(try string("a = \"x\ty\" # a\tcomment\n") == "x\ty")
        #expect(try string("a = 'x\ty'\n") == "x\ty")
    }

    // MARK: keys

    @Test func keys() throws {
        let table = try TOMLParser.parse(
            """
            bare_key-1 = 1
            1234 = 2
            "127.0.0.1" = 3
            "ʎǝʞ" = 4
            'quoted "value"' = 5
            "" = 6
            site."google.com" = true
            a . b . c = 7
            3.14 = 8
            """)
        #expect(table["bare_key-1"]?.kind == .integer(1))
        #expect(table["1234"]?.kind == .integer(2))
        #expect(table["127.0.0.1"]?.kind == .integer(3))
        #expect(table["ʎǝʞ"]?.kind == .integer(4))
        #expect(table["quoted \"value\""]?.kind == .integer(5))
        #expect(table[""]?.kind == .integer(6))
        guard case .table(let site)? = table["site"]?.kind, case .table(let a)? = table["a"]?.kind,
            case .table(let b)? = a["b"]?.kind, case .table(let three)? = table["3"]?.kind
        else { Issue.record("dotted keys: \(table)"); return }
        #expect(site["google.com"]?.kind == .boolean(true))
        #expect(b["c"]?.kind == .integer(7))
        #expect(three["14"]?.kind == .integer(8))
    }

    @Test func keyErrors() {
        refuses("= 1\n", line: 1, "expected a key")
        refuses("a b = 1\n", line: 1, "expected '='")
        refuses("a..b = 1\n", line: 1, "expected a key")
        refuses("a. = 1\n", line: 1, "expected a key")
        refuses("\"\"\"a\"\"\" = 1\n", line: 1)
        refuses("x = 1\n\"x\" = 2\n", line: 2, "already defined on line 1")
        refuses("x = 1\n'x' = 2\n", line: 2, "already defined on line 1")
        refuses("\"\\u0061\" = 1\na = 2\n", line: 2, "already defined on line 1")
        refuses("a\n= 1\n", line: 1, "expected '='")
        refuses("a =\n1\n", line: 1, "expected a value")
    }

    // MARK: whitespace, line breaks, UTF-8

    @Test func lineBreaksAreLFOrCRLF() throws {
        let table = try TOMLParser.parse("a = 1\r\n[t]\r\nb = 'x' # c\r\n\r\nc = [\r\n1,\r\n]\r\n")
        guard case .table(let t)? = table["t"]?.kind else { Issue.record("\(table)"); return }
        #expect(t["b"]?.line == 3 && t["c"]?.line == 5)
        refuses("a = 1\rb = 2\n", line: 1, "carriage return")
        refuses("a = 1\n\r\n\rb = 2\n", line: 3)
    }

    // MARK: arrays and inline tables

    @Test func arrays() throws {
        let table = try TOMLParser.parse(
            "a = [ 1, 'x', [ true ], { b = 2 } , ]\nb = [\n  # c\n  1, # c\n\n  2\n]\nc = []\n")
        guard case .array(let a)? = table["a"]?.kind, a.count == 4, case .array(let b)? = table["b"]?.kind
        else { Issue.record("\(table)"); return }
        #expect(a[0].kind == .integer(1) && a[1].kind == .string("x"))
        #expect(a[2].kind == .array([TOMLValue(kind: .boolean(true), line: 1)]))
        #expect(b.map(\.line) == [4, 6])
        #expect(table["c"]?.kind == .array([]))
        refuses("a = [,]\n", line: 1, "expected a value")
        refuses("a = [1,,2]\n", line: 1, "expected a value")
        refuses("a = [1 2]\n", line: 1, "expected ',' or ']'")
        refuses("a = [1]]\n", line: 1, "after value")
    }

    @Test func inlineTables() throws {
        let table = try TOMLParser.parse("a = { x = 1, y.z = 'w', y.v = {} }\nb = {}\nc = { d = [\n1,\n2] }\n")
        guard case .table(let a)? = table["a"]?.kind, case .table(let y)? = a["y"]?.kind else {
            Issue.record("\(table)"); return
        }
        #expect(a["x"]?.kind == .integer(1) && y["z"]?.kind == .string("w"))
        #expect(table["b"]?.kind == .table(TOMLTable(line: 2)))
        refuses("a = { x = 1, }\n", line: 1, "no ',' after the last key")
        refuses("a = {\nx = 1 }\n", line: 1, "one line")
        refuses("a = { x = 1\n}\n", line: 1, "one line")
        refuses("a = { x = 1 y = 2 }\n", line: 1, "expected ',' or '}'")
        refuses("a = { x = 1, x = 2 }\n", line: 1, "already defined")
        refuses("a = { x.y = 1, x = 2 }\n", line: 1, "already defined")
        refuses("a = { x = { y = 1 }, x.z = 2 }\n", line: 1, "cannot be extended")
        refuses("a = { x = 1 # c\n}\n", line: 1)
    }

    // MARK: document structure

    @Test func oneKeyValueOrHeaderPerLine() {
        refuses("a = 1 b = 2\n", line: 1, "after value")
        refuses("[a] b = 1\n", line: 1, "after value")
        refuses("[a]\n[[b]] [c]\n", line: 2, "after value")
        refuses("[[a] ]\n", line: 1, "']]'")
        refuses("[ [a]]\n", line: 1, "expected a key")
        refuses("[]\n", line: 1, "expected a key")
        refuses("[a\n]\n", line: 1, "expected ']'")
    }
}
