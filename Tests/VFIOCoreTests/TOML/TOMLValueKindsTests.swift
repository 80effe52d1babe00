import Testing
@testable import VFIOCore

/// The value kinds the reader did not have before: floats and the four date-time forms, and raw
/// bytes that must be UTF-8. Schema readers refuse them where they expect something else, in the
/// words they use for any wrong type.
@Suite struct TOMLValueKindsTests {
    private func value(_ text: String) throws -> TOMLValue.Kind? {
        try TOMLParser.parse("a = \(text)\n")["a"]?.kind
    }

    @Test(arguments: [
        ("+1.0", 1.0), ("3.1415", 3.1415), ("-0.01", -0.01), ("5e+22", 5e22), ("1e06", 1e6), ("-2E-2", -0.02),
        ("6.626e-34", 6.626e-34), ("224_617.445_991_228", 224_617.445_991_228), ("0.0", 0), ("-0.0", -0.0),
        ("1e1_0", 1e10), ("1.7976931348623157e308", .greatestFiniteMagnitude), ("1e400", .infinity),
        ("inf", .infinity), ("+inf", .infinity), ("-inf", -.infinity)
    ])
    func floats(text: String, expected: Double) throws {
        #expect(try value(text) == .float(expected))
    }

    @Test func notANumber() throws {
        for text in ["nan", "+nan", "-nan"] {
            guard case .float(let number)? = try value(text) else { Issue.record("\(text)"); continue }
            #expect(number.isNaN)
        }
    }

    @Test(arguments: [
        "7.", ".7", "3.e+20", "1e", "1e+", "1e_1", "1._0", "1.0_", "01.0", "1.2.3", "1e2e3", "Inf", "NaN",
        "infinity", "-.5", "+1.", "1_.0", "1.0e", "0x1.0", "_1.0", "1.0e1_"
    ])
    func notFloats(text: String) {
        #expect(throws: TOMLError.self) { try value(text) }
    }

    @Test func dateTimes() throws {
        let odt = TOMLDateTime(
            date: .init(year: 1979, month: 5, day: 27), time: .init(hour: 0, minute: 32, second: 0, fraction: "999999"),
            offsetMinutes: -420)
        #expect(try value("1979-05-27T00:32:00.999999-07:00") == .dateTime(odt))
        #expect(odt.form == .offsetDateTime && odt.description == "1979-05-27T00:32:00.999999-07:00")
        for text in [
            "1979-05-27T07:32:00Z", "1979-05-27t07:32:00z", "1979-05-27 07:32:00Z", "1979-05-27T07:32:00+00:00"
        ] {
            guard case .dateTime(let utc)? = try value(text) else { Issue.record("\(text)"); continue }
            #expect(utc.description == "1979-05-27T07:32:00Z" && utc.form == .offsetDateTime, "\(text)")
        }
        guard case .dateTime(let local)? = try value("1979-05-27 07:32:00.123456789"),
            case .dateTime(let date)? = try value("2024-02-29"), case .dateTime(let time)? = try value("23:59:59")
        else { Issue.record("forms"); return }
        #expect(local.form == .localDateTime && local.description == "1979-05-27T07:32:00.123456789")
        #expect(date.form == .localDate && date.description == "2024-02-29")
        #expect(time.form == .localTime && time.description == "23:59:59")
        let array = try TOMLParser.parse("a = [1979-05-27 07:32:00, 1979-05-27 , 07:32:00]\n")["a"]
        guard case .array(let items)? = array?.kind else { Issue.record("\(String(describing: array))"); return }
        #expect(items.map(\.typeName) == ["a local date-time", "a local date", "a local time"])
    }

    /// Every field is checked against the calendar and the clock; seconds are required (TOML 1.0).
    @Test(arguments: [
        "1979-02-29", "1900-02-29", "2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00", "2023-01-32",
        "0000-01-01", "24:00:00", "23:60:00", "23:59:60", "07:32", "7:32:00", "1979-5-27", "79-05-27",
        "1979-05-27T07:32", "1979-05-27T07:32:00.", "07:32:00Z", "07:32:00+01:00", "1979-05-27T07:32:00+24:00",
        "1979-05-27T07:32:00-00:60", "1979-05-27T07:32:00+0100", "1979-05-27T07:32:00+01", "1979-05-27T",
        "1979-05-27X07:32:00", "1979-05-27T07:32:00Zz", "1979-05-27_07:32:00", "1979-05-27  07:32:00"
    ])
    func notDateTimes(text: String) {
        #expect(throws: TOMLError.self) { try value(text) }
    }

    @Test func leapYears() throws {
        for text in ["2000-02-29", "2024-02-29", "1600-02-29"] {
            guard case .dateTime? = try value(text) else { Issue.record("\(text)"); continue }
        }
    }

    @Test func invalidUTF8IsRefusedWithItsLine() throws {
        #expect(try TOMLParser.parse(bytes: Array("a = 'é☃😀'\n".utf8))["a"]?.kind == .string("é☃😀"))
        for bad: [UInt8] in [
            [0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x98], [0x80]
        ] {
            do {
                _ = try TOMLParser.parse(bytes: Array("a = 1\n# ok\nb = '".utf8) + bad + Array("'\n".utf8))
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.line == 3 && error.message.contains("invalid UTF-8"), "\(error)")
            }
        }
    }

    /// A float or a date where a schema wants a string, an integer or a boolean: the same message
    /// as for any other wrong type, at the value's line.
    @Test func schemaFieldsRefuseTheNewKinds() throws {
        let table = try TOMLParser.parse("name = 1.5\ncount = 1979-05-27\nflag = 07:00:00\nlist = [1.0]\n")
        var fields = TOMLFields(table, context: "the test")
        #expect(throws: TOMLError(line: 1, "'name' in the test must be a string, found a float")) {
            try fields.string("name")
        }
        #expect(throws: TOMLError(line: 2, "'count' in the test must be an integer, found a local date")) {
            try fields.integer("count")
        }
        #expect(throws: TOMLError(line: 3, "'flag' in the test must be true or false, found a local time")) {
            try fields.boolean("flag")
        }
        #expect(throws: TOMLError(line: 4, "'list' in the test must list strings, found a float")) {
            try fields.strings("list")
        }
        do {
            _ = try DesiredState.parse(
                "[[device]]\naddress = \"0000:01:00.0\"\nvendor = \"8086\"\ndevice = \"1533\"\nvfs = 2.0\n",
                file: "s.toml")
            Issue.record("accepted vfs = 2.0")
        } catch {
            #expect(
                error.status == .usage && error.message.hasPrefix("s.toml:5: 'vfs'")
                    && error.message.hasSuffix("found a float"), "\(error)")
        }
    }
}
