/// TOML documents are UTF-8: a byte sequence that is not (overlong forms, surrogates, values past
/// U+10FFFF, cut-off sequences) is refused with its line, rather than read with replacement
/// characters that would hide it.
enum UTF8Check {
    package static func validate(_ bytes: [UInt8]) throws(TOMLError) {
        var line = 1
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead == UInt8(ascii: "\n") { line += 1 }
                index += 1
                continue
            }
            guard let length = sequenceLength(bytes, at: index) else {
                throw TOMLError(line: line, "invalid UTF-8 (byte 0x\(upperHex(lead, width: 2)))")
            }
            index += length
        }
    }

    /// The length of the well-formed sequence at `index` (Unicode table 3-7), nil if there is none.
    private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
            return nil
        }
        return length
    }
}
