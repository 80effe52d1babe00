// Text to man(7) markup: escaping, and the subset of Markdown the documentation uses (paragraphs,
// `-` and numbered lists, fenced blocks, tables, `code`, **bold**, links), so that the manual pages
// are made from the same text as docs/*.md and cannot drift from it.

enum Roff {
    /// Plain text made safe as roff text: backslashes, minus signs (so options copy and paste as
    /// ASCII), non-ASCII characters as groff escapes (no input encoding to guess).
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case "\u{2014}": out += "\\(em"
            case "\u{2013}": out += "\\(en"
            case "\u{2192}": out += "\\(->"
            case "\u{2026}": out += "..."
            case _ where scalar.isASCII: out.unicodeScalars.append(scalar)
            default: out += "\\[u" + hex4(scalar.value) + "]"
            }
        }
        return out
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A line of text as it goes into the page: a leading `.` or `'` would be read as a request.
    static func line(_ text: String) -> String {
        text.hasPrefix(".") || text.hasPrefix("'") ? "\\&" + text : text
    }

    static func bold(_ text: String) -> String { "\\fB" + escaped(text) + "\\fR" }
    static func italic(_ text: String) -> String { "\\fI" + escaped(text) + "\\fR" }

    /// Markdown inline text: `code` and **strong** in bold, a link as its text (a link to the
    /// documentation of a file format as its manual page), `page(N)` references with the name in bold.
    static func inline(_ markdown: String) -> String {
        var text = markdown
        text.replace(/\[([^\]]*)\]\(([^)]*)\)/) { match in
            if let page = DocumentPages.page(linkedAs: String(match.output.2)) { return page.reference }
            return String(match.output.1)
        }
        var out = ""
        var rest = Substring(text)
        // Code spans first: nothing inside them is markup.
        while let start = rest.firstIndex(of: "`") {
            out += plainInline(rest[..<start])
            let afterTick = rest.index(after: start)
            guard let end = rest[afterTick...].firstIndex(of: "`") else {
                rest = rest[start...]
                break
            }
            out += bold(String(rest[afterTick..<end]))
            rest = rest[rest.index(after: end)...]
        }
        out += plainInline(rest)
        return out
    }

    private static func plainInline(_ text: Substring) -> String {
        var out = escaped(String(text))
        out.replace(/\*\*([^*]+)\*\*/) { "\\fB" + $0.output.1 + "\\fR" }
        // man-page references (`udev(7)`, `vfioctl\-rules(5)`): the name in bold.
        out.replace(/(^|[\s(])([a-z][a-z0-9_.]*(?:\\-[a-z0-9_.]+)*)\(([1-8])\)/) { match in
            match.output.1 + "\\fB" + match.output.2 + "\\fR(" + match.output.3 + ")"
        }
        return out
    }

    /// Markdown blocks to man(7) requests. `headingLevel` is the Markdown level that becomes `.SH`
    /// (one deeper becomes `.SS`); shallower headings are dropped (the page has its own title).
    static func blocks(_ markdown: String, sectionLevel: Int) -> [String] {
        var out: [String] = []
        var paragraph: [String] = []
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]

        func flush() {
            guard !paragraph.isEmpty else { return }
            out.append(".PP")
            out += paragraph.map { line(inline($0.strippingBlanks)) }
            paragraph = []
        }

        while let current = lines.popFirst() {
            let trimmed = current.strippingBlanks
            if trimmed.hasPrefix("```") {
                flush()
                out += [".PP", ".RS 4", ".EX"]
                while let code = lines.popFirst(), !code.strippingBlanks.hasPrefix("```") {
                    out.append(line(escaped(code)))
                }
                out += [".EE", ".RE"]
            } else if let level = headingLevel(trimmed) {
                flush()
                let title = String(trimmed.drop { $0 == "#" }).strippingBlanks
                if level == sectionLevel {
                    out.append(".SH " + quotedArgument(escaped(title.uppercased())))
                } else if level > sectionLevel {
                    out.append(".SS " + quotedArgument(inline(title)))
                }
            } else if trimmed.hasPrefix("|") {
                flush()
                var rows = [trimmed]
                while let next = lines.first, next.strippingBlanks.hasPrefix("|") {
                    rows.append(lines.removeFirst().strippingBlanks)
                }
                out += table(rows)
            } else if let item = listItem(trimmed) {
                flush()
                var text = [item.text]
                // Continuation lines are indented under the item.
                while let next = lines.first, next.hasPrefix(" "), !next.strippingBlanks.isEmpty,
                    listItem(next.strippingBlanks) == nil
                {
                    text.append(lines.removeFirst().strippingBlanks)
                }
                out.append(".IP " + item.marker + " 4")
                out += text.map { line(inline($0)) }
            } else if trimmed.isEmpty {
                flush()
            } else {
                paragraph.append(trimmed)
            }
        }
        flush()
        return out
    }

    private static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        return hashes > 0 && line.dropFirst(hashes).first == " " ? hashes : nil
    }

    private static func listItem(_ line: String) -> (marker: String, text: String)? {
        if line.hasPrefix("- ") { return ("\\(bu", String(line.dropFirst(2))) }
        if let match = line.wholeMatch(of: /([0-9]+)\. (.*)/) { return (match.output.1 + ".", String(match.output.2)) }
        return nil
    }

    /// A table as a tagged list: the first cell is the tag; the other cells follow, each named by its
    /// column's heading (the pages stay readable at any width, with no tbl preprocessor).
    private static func table(_ rows: [String]) -> [String] {
        func cells(_ row: String) -> [String] {
            var inner = Substring(row)
            if inner.hasPrefix("|") { inner = inner.dropFirst() }
            if inner.hasSuffix("|") { inner = inner.dropLast() }
            return inner.split(separator: "|", omittingEmptySubsequences: false).map { String($0).strippingBlanks }
        }
        guard let header = rows.first.map(cells) else { return [] }
        var out: [String] = []
        for row in rows.dropFirst() where !row.allSatisfy({ "|-: ".contains($0) }) {
            let values = cells(row)
            guard let tag = values.first else { continue }
            out += [".TP", line(inline(tag))]
            let described = zip(header.dropFirst(), values.dropFirst()).filter { !$0.1.isEmpty }
            if header.count == 2 {
                out += described.map { line(inline($0.1)) }
            } else {
                out.append(line(described.map { inline($0.0) + ": " + inline($0.1) }.joined(separator: "; ")))
            }
        }
        return out
    }

    /// A macro argument with spaces is quoted; a quote inside one is written `\(dq`.
    static func quotedArgument(_ text: String) -> String {
        text.contains(" ") ? "\"" + text.replacing("\"", with: "\\(dq") + "\"" : text
    }
}

extension StringProtocol {
    /// Without the spaces and tabs at either end.
    var strippingBlanks: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
