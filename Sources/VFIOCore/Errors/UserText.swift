/// Text that came from outside (a command-line argument, a file, a sysfs attribute of a crafted tree)
/// and is about to be shown on a terminal. Raw control bytes there could move the cursor, recolour or
/// retitle the terminal, or hide the rest of the message; a 100,000-character argument would bury it.
public enum UserText {
    /// How many characters of a quoted value a message shows.
    public static let quotedLimit = 64

    /// `'TEXT'` for a message: escaped, and cut to the first `quotedLimit` characters with the full
    /// length after it (`'aaaa…' (100000 characters)`), so the message stays one readable line.
    public static func quoted(_ text: String) -> String {
        var count = 0
        var shown = ""
        for character in text {
            if count < quotedLimit { shown.append(character) }
            count += 1
        }
        guard count > quotedLimit else { return "'" + escaped(shown) + "'" }
        return "'" + escaped(shown) + "…' (\(count) characters)"
    }

    /// The text with every character a terminal would act on written out instead: C0 controls
    /// (newline and tab included: messages are one line), DEL and C1 controls as `\x1b` / `\u{9b}`,
    /// and the Unicode line separators and bidirectional overrides that reorder what is displayed.
    /// Invalid UTF-8 never gets this far: Swift decodes it to U+FFFD, which is printable.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if !needsEscape(scalar) {
                result.unicodeScalars.append(scalar)
            } else if scalar.value < 0x80 {
                result += "\\x" + hexByte(scalar.value)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0, DEL, C1 (0x9B is a one-byte CSI)
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidi marks, embeddings, overrides, isolates
        default: false
        }
    }

    private static func hexByte(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(value >> 4)]) + String(digits[Int(value & 0xF)])
    }
}
