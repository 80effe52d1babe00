import Testing
@testable import VFIOCore

/// TOML 1.0's rules for defining tables: which documents define a table twice, extend one that is
/// complete, or add to an array that is not an array of tables. Each accepted case is read back.
@Suite struct TOMLTableRulesTests {
    private func accepts(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> TOMLTable? {
        do {
            return try TOMLParser.parse(text)
        } catch {
            Issue.record("refused \(text.debugDescription): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    private func refuses(
        _ text: String, line: Int, _ message: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        do {
            let table = try TOMLParser.parse(text)
            Issue.record(
                "accepted \(text.debugDescription.prefix(200)) as \(String(describing: table).prefix(200))",
                sourceLocation: sourceLocation)
        } catch {
            #expect(
                error.line == line && error.message.contains(message), "\(text.debugDescription.prefix(200)): \(error)",
                sourceLocation: sourceLocation)
        }
    }

    /// The table at a path of keys, going into the last element of arrays of tables.
    private func table(_ root: TOMLTable?, _ path: String...) -> TOMLTable? {
        var table = root
        for key in path {
            switch table?[key]?.kind {
            case .table(let inner)?: table = inner
            case .array(let items)?: if case .table(let last)? = items.last?.kind { table = last } else { return nil }
            default: return nil
            }
        }
        return table
    }

    @Test func aTableIsDefinedOnce() {
        refuses("[a]\nx = 1\n[a]\ny = 2\n", line: 3, "table [a] is defined twice (first on line 1)")
        refuses("[a]\n[b]\n[a]\n", line: 3, "defined twice")
        refuses("[a.b]\n[a . \"b\"]\n", line: 2, "defined twice")
        refuses("[a]\nb = 1\n[a.b]\n", line: 3, "already defined on line 2")
    }

    /// `[x.y.z]` creates x and x.y as super-tables, which one later header each may define.
    @Test func superTablesMayBeDefinedLater() {
        let doc = accepts("[x.y.z]\nw = 1\n[x]\nv = 2\n[x.y]\nu = 3\n")
        #expect(table(doc, "x", "y", "z")?["w"]?.kind == .integer(1))
        #expect(table(doc, "x")?["v"]?.kind == .integer(2))
        #expect(table(doc, "x", "y")?["u"]?.kind == .integer(3))
        #expect(table(doc, "x", "y")?.line == 5, "a super-table's line is where it is defined")
        refuses("[x.y.z]\n[x]\n[x]\n", line: 3, "defined twice")
        _ = accepts("[fruit.apple]\n[animal]\n[fruit.orange]\n")
    }

    /// Dotted keys define their tables: no `[header]` for them later, and no dotted keys of another
    /// table body reach into them; `[header]`s of sub-tables may still follow.
    @Test func dottedKeyTables() {
        let doc = accepts(
            "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n")
        #expect(table(doc, "fruit", "apple", "taste")?["sweet"]?.kind == .boolean(true))
        #expect(table(doc, "fruit", "apple", "texture")?["smooth"]?.kind == .boolean(true))
        refuses("[fruit]\napple.color = 'red'\n[fruit.apple]\n", line: 3, "already defined with dotted keys on line 2")
        refuses("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]\n", line: 3, "dotted keys")
        refuses("a.b = 1\n[a]\n", line: 2, "dotted keys")
        refuses("[a]\nb.c = 1\n[x]\n[a.b.d]\n[a]\n", line: 5, "defined twice")
        _ = accepts("a.b = 1\na.c = 2\n[a.d]\ne = 3\n")
        refuses("a.b = 1\na.b.c = 2\n", line: 2, "'a.b' is an integer (line 1), not a table")
    }

    /// A table defined by a header is complete when its body ends: dotted keys of another body do
    /// not add to it (TOML 1.0, toml-lang/toml#846).
    @Test func headerTablesAreNotExtendedByDottedKeys() {
        refuses("[a.b.c]\nz = 9\n[a]\nb.c.t = 9\n", line: 4, "table 'b.c' was completed on line 1")
        refuses("[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 9\n", line: 4, "completed")
        refuses("[a.b]\nc = 1\n[a]\nb.d = 2\n", line: 4, "completed")
        // A super-table is not complete: keys of a later body may name it, and then it is theirs.
        let doc = accepts("[a.b.c]\n[a]\nb.d = 1\n")
        #expect(table(doc, "a", "b")?["d"]?.kind == .integer(1))
        refuses("[a.b.c]\n[a]\nb.d = 1\n[a.b]\n", line: 4, "dotted keys on line 3")
    }

    /// Inline tables and arrays are complete as written.
    @Test func inlineTablesAndArraysAreNotExtended() {
        refuses("[product]\ntype = { name = 'Nail' }\ntype.edible = false\n", line: 3, "cannot be extended")
        refuses("[product]\ntype = { name = 'Nail' }\n[product.type]\n", line: 3, "already defined on line 2")
        refuses("a = { b = 1 }\n[a.c]\n", line: 2, "inline table (line 1)")
        refuses("a = { b = { c = 1 } }\n[a.b.d]\n", line: 2, "inline table (line 1)")
        refuses("a = {}\n[[a]]\n", line: 2, "cannot be extended")
        refuses("fruits = []\n[[fruits]]\n", line: 2, "a static array defined on line 1")
        refuses("a = [{ b = 1 }]\n[a.c]\n", line: 2, "array (line 1)")
        refuses("a = [{ b = 1 }]\na.c = 1\n", line: 2, "array (line 1)")
        refuses("[product]\ntype.name = 'Nail'\ntype = { edible = false }\n", line: 3, "already defined on line 2")
    }

    @Test func arraysOfTables() {
        let doc = accepts(
            """
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits.varieties]]
            name = "granny smith"
            [[fruits]]
            name = "banana"
            [[fruits.varieties]]
            name = "plantain"
            [fruits.physical]
            color = "yellow"
            """)
        guard case .array(let fruits)? = doc?["fruits"]?.kind, fruits.count == 2,
            case .table(let apple) = fruits[0].kind, case .table(let banana) = fruits[1].kind,
            case .array(let appleVarieties)? = apple["varieties"]?.kind
        else { Issue.record("\(String(describing: doc))"); return }
        #expect(appleVarieties.count == 2)
        #expect(table(apple, "physical")?["color"]?.kind == .string("red"))
        #expect(table(banana, "physical")?["color"]?.kind == .string("yellow"))
        #expect(table(banana, "varieties")?["name"]?.kind == .string("plantain"))
        #expect(fruits.map { $0.line } == [1, 9])
    }

    @Test func arraysOfTablesAndTablesDoNotMix() {
        refuses("[[a]]\n[a]\n", line: 2, "is an array of tables (line 1)")
        refuses("[a]\n[[a]]\n", line: 2, "conflicts with table [a] defined on line 1")
        refuses("[[f]]\n[[f.v]]\n[f.v]\n", line: 3, "array of tables")
        refuses("[[f]]\n[f.p]\n[[f.p]]\n", line: 3, "conflicts with table [f.p]")
        refuses("[[a]]\nb.c = 1\n[[a]]\nb.c = 2\nb.c = 3\n", line: 5, "already defined on line 4")
        refuses("[[a.b]]\n[a]\nb.c = 1\n", line: 3, "array of tables")
        // Each element is a table of its own: the same sub-table may be defined in each.
        let doc = accepts("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n")
        #expect(table(doc, "a", "b")?["x"]?.kind == .integer(2))
        _ = accepts("[[a.b]]\n[a]\nc = 1\n")
        _ = accepts("[fruit.physical]\ncolor = 'red'\n[[fruit.v]]\n")
    }

    /// Keys are indexed: a document of many keys finds each (the 100,000-key case was quadratic).
    @Test func manyKeysAreAllKept() throws {
        let count = 20_000
        let text =
            (0..<count).map { "key\($0) = \($0)\n" }.joined() + "[t]\n" + (0..<count).map { "k.\($0) = 1\n" }.joined()
        let doc = try TOMLParser.parse(text)
        #expect(doc.entries.count == count + 1)
        #expect((0..<count).allSatisfy { doc["key\($0)"]?.kind == .integer($0) && doc["key\($0)"]?.line == $0 + 1 })
        #expect(table(doc, "t", "k")?.entries.count == count)
        refuses(text + "k.7 = 0\n", line: 2 * count + 2, "already defined on line \(count + 9)")
    }
}
