import Testing
import VFIOCore

/// The JSON writer every document goes through: layout, escaping, and the streamed form being the
/// same bytes as the whole document.
@Suite struct JSONGoldenTests {
    static let sample: JSONValue = .object([
        ("null", .null), ("true", .bool(true)), ("false", .bool(false)), ("zero", .int(0)), ("negative", .int(-42)),
        ("big", .int(Int.max)),
        ("escapes", .string("quote \" backslash \\ slash / newline \n tab \t cr \r nul \u{0} esc \u{1B} del \u{7F}")),
        ("unicode", .string("é 中 😀 \u{2028}")),
        ("empty_string", .string("")), ("empty_array", .array([])), ("empty_object", .object([])),
        ("nested", .array([.object([("a", .array([.int(1), .array([])]))]), .null])),
        ("key \"quoted\"\n", .string("keys are escaped too"))
    ])

    @Test func rendering() {
        Golden.check(Self.sample.rendered(), "json-value.json")
    }

    @Test func documentEnvelope() {
        Golden.check(JSONValue.document("things", Self.sample).rendered(), "json-document.json")
    }

    @Test(arguments: [0, 1, 3])
    func streamedDocumentIsTheWholeDocument(_ count: Int) {
        let items = (0..<count).map { JSONValue.object([("n", .int($0)), ("s", Self.sample)]) }
        var streamed = ""
        JSONValue.streamDocument("items", items, item: { $0 }, to: { streamed += $0 })
        #expect(streamed == JSONValue.document("items", .array(items)).rendered())
    }
}
