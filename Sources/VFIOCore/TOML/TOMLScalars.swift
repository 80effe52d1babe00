/// The unquoted values of TOML 1.0 read from the word that holds them: booleans, integers, floats and
/// the four date-time forms. Each reader returns nil when the word is not of its form.
enum TOMLScalars {
    typealias Word = ArraySlice<UInt8>

    /// The value `word` spells, or nil when it spells none.
    package static func value(_ word: Word) -> TOMLValue.Kind? {
        if word.elementsEqual("true".utf8) { return .boolean(true) }
        if word.elementsEqual("false".utf8) { return .boolean(false) }
        if let integer = integer(word) { return .integer(integer) }
        if let float = float(word) { return .float(float) }
        if let dateTime = dateTime(word) { return .dateTime(dateTime) }
        return nil
    }

    /// Why `word`, which spells no value, may have been meant as one.
    package static func hint(for word: Word) -> String? {
        guard let first = word.first else { return nil }
        if !isDigit(first) && first != UInt8(ascii: "+") && first != UInt8(ascii: "-") {
            return "strings need quotes: \"\(String(decoding: word, as: UTF8.self))\""
        }
        let digits = word.drop { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        if digits.count > 1, digits.first == UInt8(ascii: "0"),
            word.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") })
        {
            return "a decimal integer has no leading zero"
        }
        if word.contains(UInt8(ascii: "-")) && word.contains(UInt8(ascii: ":"))
            || word.count == 10 && word.contains(UInt8(ascii: "-"))
        {
            return
                "a date is YYYY-MM-DD, a time HH:MM:SS[.fraction], a date-time both with T between and Z or ±HH:MM after"
        }
        if word.allSatisfy({
            $0.hexDigitValue != nil || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "o")
                || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
        }) {
            return "an integer is 64-bit, '_' only between digits, 0x/0o/0b without a sign"
        }
        return nil
    }

    // MARK: integers

    /// `42`, `+1_000`, `-17`, or unsigned `0xDEAD_beef`, `0o755`, `0b1101`: no leading zeros in
    /// decimal, `_` only between digits, and nothing outside a signed 64-bit integer.
    package static func integer(_ word: Word) -> Int? {
        var digits = word
        let prefixes: [(UInt8, Int)] = [(UInt8(ascii: "x"), 16), (UInt8(ascii: "o"), 8), (UInt8(ascii: "b"), 2)]
        if digits.count > 2, digits.first == UInt8(ascii: "0"),
            let radix = prefixes.first(where: { $0.0 == digits[digits.startIndex + 1] })?.1
        {
            return accumulate(digits.dropFirst(2), radix: radix, negative: false)
        }
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard isDecimalInteger(digits) else { return nil }
        return accumulate(digits, radix: 10, negative: negative)
    }

    /// Digits with single `_` between them, in `radix`, within Int's range.
    private static func accumulate(_ digits: Word, radix: Int, negative: Bool) -> Int? {
        guard isSeparated(digits, by: { $0.hexDigitValue.map { Int($0) < radix } ?? false }) else { return nil }
        var value = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let digit = Int(byte.hexDigitValue!)
            // Negative values accumulate downwards, so Int.min itself parses.
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: radix)
            let (next, overflowB) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflowA || overflowB { return nil }
            value = next
        }
        return value
    }

    /// `0` or a decimal integer without a leading zero (sign already taken off).
    private static func isDecimalInteger(_ digits: Word) -> Bool {
        guard isSeparated(digits, by: isDigit) else { return false }
        return digits.count == 1 || digits.first != UInt8(ascii: "0")
    }

    /// One or more characters accepted by `isDigit`, with single `_` only between two of them.
    private static func isSeparated(_ digits: Word, by isDigit: (UInt8) -> Bool) -> Bool {
        guard let first = digits.first, let last = digits.last, isDigit(first), isDigit(last) else { return false }
        var previous = first
        for byte in digits.dropFirst() {
            if byte == UInt8(ascii: "_") {
                if previous == UInt8(ascii: "_") { return false }
            } else if !isDigit(byte) {
                return false
            }
            previous = byte
        }
        return true
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    // MARK: floats

    /// `3.14`, `-0.01`, `5e+22`, `6.626e-34`, `1_000.5`, `inf`, `-inf`, `nan`: an integer part as
    /// decimal integers have it, then a fraction, an exponent or both, each with digits on both
    /// sides of every `_`.
    package static func float(_ word: Word) -> Double? {
        var rest = word
        var sign = ""
        if let first = rest.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            sign = first == UInt8(ascii: "-") ? "-" : ""
            rest = rest.dropFirst()
        }
        if rest.elementsEqual("inf".utf8) { return sign == "-" ? -.infinity : .infinity }
        if rest.elementsEqual("nan".utf8) { return .nan }
        let exponentAt = rest.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = rest[..<(exponentAt ?? rest.endIndex)]
        let pointAt = mantissa.firstIndex(of: UInt8(ascii: "."))
        guard exponentAt != nil || pointAt != nil else { return nil }
        guard isDecimalInteger(mantissa[..<(pointAt ?? mantissa.endIndex)]) else { return nil }
        if let pointAt, !isSeparated(mantissa[(pointAt + 1)...], by: isDigit) { return nil }
        if let exponentAt {
            var exponent = rest[(exponentAt + 1)...]
            if let first = exponent.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                exponent = exponent.dropFirst()
            }
            guard isSeparated(exponent, by: isDigit) else { return nil }
        }
        // Checked above to be plain decimal text: Double's own reader gives the nearest value.
        return Double(sign + String(decoding: rest.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self))
    }

    // MARK: date-times

    /// A date, a time, or a date and a time (`T`, `t` or one space between) with an optional
    /// offset (`Z`, `z`, `+HH:MM`, `-HH:MM`). Seconds are required, as TOML 1.0 says; every field
    /// is checked against the calendar and the clock.
    package static func dateTime(_ word: Word) -> TOMLDateTime? {
        var rest = word
        var result = TOMLDateTime()
        if word.count >= 10, word[word.startIndex + 4] == UInt8(ascii: "-") {
            guard let date = date(rest.prefix(10)) else { return nil }
            result.date = date
            rest = rest.dropFirst(10)
            if rest.isEmpty { return result }
            guard let separator = rest.first,
                [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(separator)
            else {
                return nil
            }
            rest = rest.dropFirst()
        }
        guard let (time, afterTime) = time(rest) else { return nil }
        result.time = time
        rest = afterTime
        if rest.isEmpty { return result }
        guard result.date != nil, let offset = offset(rest) else { return nil }
        result.offsetMinutes = offset
        return result
    }

    private static func date(_ text: Word) -> TOMLDateTime.Date? {
        guard text.count == 10, text[text.startIndex + 4] == UInt8(ascii: "-"),
            text[text.startIndex + 7] == UInt8(ascii: "-"),
            let year = number(text, at: 0, width: 4), let month = number(text, at: 5, width: 2),
            let day = number(text, at: 8, width: 2)
        else { return nil }
        // Year 0 is outside what toml-test and most date libraries accept (it starts at 0001).
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return TOMLDateTime.Date(year: year, month: month, day: day)
    }

    /// `HH:MM:SS` with an optional fraction, and what follows it.
    private static func time(_ text: Word) -> (TOMLDateTime.Time, rest: Word)? {
        guard text.count >= 8, text[text.startIndex + 2] == UInt8(ascii: ":"),
            text[text.startIndex + 5] == UInt8(ascii: ":"),
            let hour = number(text, at: 0, width: 2), let minute = number(text, at: 3, width: 2),
            let second = number(text, at: 6, width: 2)
        else { return nil }
        // A leap second (60) is refused as Python's datetime and Go's time refuse it.
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        var rest = text.dropFirst(8)
        var fraction = ""
        if rest.first == UInt8(ascii: ".") {
            let digits = rest.dropFirst().prefix(while: isDigit)
            guard !digits.isEmpty else { return nil }
            fraction = String(decoding: digits, as: UTF8.self)
            rest = rest.dropFirst(1 + digits.count)
        }
        return (TOMLDateTime.Time(hour: hour, minute: minute, second: second, fraction: fraction), rest)
    }

    /// `Z`, `z` or `±HH:MM` as minutes east of UTC.
    private static func offset(_ text: Word) -> Int? {
        if text.count == 1, text.first == UInt8(ascii: "Z") || text.first == UInt8(ascii: "z") { return 0 }
        guard text.count == 6, let sign = text.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
            text[text.startIndex + 3] == UInt8(ascii: ":"),
            let hours = number(text, at: 1, width: 2), let minutes = number(text, at: 4, width: 2),
            hours <= 23, minutes <= 59
        else { return nil }
        return (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    /// Exactly `width` decimal digits starting `offset` bytes into `text`.
    private static func number(_ text: Word, at offset: Int, width: Int) -> Int? {
        let start = text.startIndex + offset
        guard start + width <= text.endIndex else { return nil }
        var value = 0
        for byte in text[start..<start + width] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
