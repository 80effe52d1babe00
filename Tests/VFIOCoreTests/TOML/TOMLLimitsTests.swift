import Testing
@testable import VFIOCore

/// Nesting comes from the input, the stack does not grow with it: past 128 levels (tables, arrays,
/// inline tables, each part of a dotted key) a document is refused with its line. Before, 50,000
/// nested arrays or 20,000 dotted key parts overflowed the stack (SIGSEGV).
@Suite struct TOMLLimitsTests {
    private func refusedAsTooDeep(
        _ text: String, line: Int = 1, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try TOMLParser.parse(text)
            Issue.record("accepted a document nested too deep", sourceLocation: sourceLocation)
        } catch {
            #expect(
                error.line == line && error.message.contains("nested more than 128 levels"), "\(error)",
                sourceLocation: sourceLocation)
        }
    }

    private func nestedArrays(_ depth: Int) -> String {
        "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
    }

    @Test func deepArraysAreRefused() {
        refusedAsTooDeep(nestedArrays(50_000))
        refusedAsTooDeep("x = 1\n" + nestedArrays(129), line: 2)
        refusedAsTooDeep("a = [\n" + String(repeating: "[", count: 50_000), line: 2)
    }

    @Test func deepInlineTablesAreRefused() {
        refusedAsTooDeep(
            "a = " + String(repeating: "{b=", count: 20_000) + "1" + String(repeating: "}", count: 20_000) + "\n")
        refusedAsTooDeep("a = " + String(repeating: "[{b=", count: 10_000) + "1")
    }

    @Test func longDottedKeysAndHeadersAreRefused() {
        let parts = Array(repeating: "k", count: 20_000).joined(separator: ".")
        refusedAsTooDeep(parts + " = 1\n")
        refusedAsTooDeep("[" + parts + "]\n")
        refusedAsTooDeep("[[" + parts + "]]\n")
        refusedAsTooDeep("a = { " + parts + " = 1 }\n")
    }

    /// The limit counts every level on the way: a table's depth, its key's parts, then the value's.
    @Test func levelsAddUp() throws {
        let deep64 = Array(repeating: "t", count: 64).joined(separator: ".")
        _ = try TOMLParser.parse("[\(deep64)]\n" + nestedArrays(64))
        refusedAsTooDeep("[\(deep64)]\n" + nestedArrays(65), line: 2)
        _ = try TOMLParser.parse(nestedArrays(127))
        _ = try TOMLParser.parse(
            "a = " + String(repeating: "{b=", count: 127) + "1" + String(repeating: "}", count: 127) + "\n")
        refusedAsTooDeep("[\(deep64)]\n" + Array(repeating: "k", count: 65).joined(separator: ".") + " = 1\n", line: 2)
    }

    /// Through the schema readers, the error names the file and line, as an invalid-input error
    /// (exit status 2).
    @Test func schemaReadersSayFileAndLine() {
        let deep = "[[device]]\naddress = \"0000:01:00.0\"\nx = " + String(repeating: "[", count: 50_000) + "\n"
        do {
            _ = try DesiredState.parse(deep, file: "/etc/vfioctl/state.toml")
            Issue.record("accepted")
        } catch {
            #expect(error.status == .usage, "\(error)")
            #expect(error.message.hasPrefix("/etc/vfioctl/state.toml:3: nested more than 128 levels"), "\(error)")
        }
        do {
            _ = try RuleFile.parse(
                Array(repeating: "r", count: 20_000).joined(separator: ".") + " = 1\n", file: "50-x.toml",
                precedence: .administrator)
            Issue.record("accepted")
        } catch {
            #expect(error.status == .usage, "\(error)")
            #expect(error.message.hasPrefix("50-x.toml:1: nested more than 128 levels"), "\(error)")
        }
    }
}
