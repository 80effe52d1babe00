/// A shell pattern over PCI addresses (`0000:3b:*`, `3b:0?.*`, `0000:0[1-3]:00.0`), matched with
/// fnmatch(3) against the whole address (anchored: `3b:*` never matches `0000:13b:...`).
///
/// Like a short address, a pattern with a single `:` is in domain 0000 (`3b:*` means `0000:3b:*`).
/// Only what can appear in an address is accepted (hex digits, `:`, `.`) besides `*`, `?` and bracket
/// expressions; and a pattern needs at least one literal hex digit outside brackets, so `*`, `*:*`
/// or `?*` — which would select every device by accident — are refused. To mean every device, name
/// none (`list`, `plan`); the commands that write never act on every device.
public struct AddressGlob: Sendable, Equatable {
    /// As the user wrote it (for messages).
    public let pattern: String
    /// Lowercased (sysfs names are lowercase) and with the implied `0000:` of a short pattern.
    let fullPattern: String

    /// Longer than any sensible pattern over a 12-character address.
    public static let lengthLimit = 64

    static func looksLikeGlob(_ text: String) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    public init(parsing text: String) throws(VFIOError) {
        let bytes = Array(text.utf8)
        func refuse(_ why: String) -> VFIOError {
            .usage(
                "invalid address glob \(UserText.quoted(text)): \(why)",
                hint: "e.g. 0000:3b:* (every function on bus 3b) or 01:00 (every function of a slot)")
        }
        guard bytes.count <= Self.lengthLimit else { throw refuse("longer than \(Self.lengthLimit) characters") }
        let allowed = Set(":.*?[]!^-".utf8)
        guard bytes.allSatisfy({ $0.isHexDigit || allowed.contains($0) }) else {
            throw refuse("only hex digits, ':', '.', '*', '?' and [...] can appear in an address pattern")
        }
        var inBracket = false
        var literalDigit = false
        for byte in bytes {
            if byte == UInt8(ascii: "[") {
                inBracket = true
            } else if byte == UInt8(ascii: "]") {
                inBracket = false
            } else if !inBracket && byte.isHexDigit {
                literalDigit = true
            }
        }
        guard literalDigit else {
            throw refuse("it needs at least one literal hex digit; a pattern such as '*' would select every device")
        }
        let colons = bytes.filter { $0 == UInt8(ascii: ":") }.count
        guard colons >= 1 else {
            throw refuse("it needs a ':' (an address pattern looks like BB:SS.F or DDDD:BB:SS.F)")
        }
        let lowered = text.lowercased()
        let full = colons == 1 ? "0000:" + lowered : lowered
        guard Self.canStartAnAddress(full.utf8.prefix { !Self.wildcards.contains($0) }) else {
            throw refuse("no PCI address (DDDD:BB:SS.F) starts like that")
        }
        pattern = text
        fullPattern = full
    }

    private static let wildcards = Set("*?[".utf8)

    /// Whether `literal` (the pattern up to its first wildcard) can begin an address spelled
    /// `DDDD:BB:SS.F` (a domain of 4 to 8 digits: VMD domains have 5): a mangled id pair such as
    /// `8086:**` is a mistake to report, not a pattern that silently matches nothing.
    static func canStartAnAddress(_ literal: some Collection<UInt8>) -> Bool {
        // Each field: the separator after it and its width in digits.
        let fields: [(separator: UInt8?, widths: ClosedRange<Int>)] = [
            (UInt8(ascii: ":"), 4...8), (UInt8(ascii: ":"), 2...2), (UInt8(ascii: "."), 2...2), (nil, 1...1)
        ]
        var field = 0
        var digits = 0
        for byte in literal {
            if byte.isHexDigit {
                digits += 1
                guard digits <= fields[field].widths.upperBound else { return false }
            } else {
                guard byte == fields[field].separator, fields[field].widths.contains(digits) else { return false }
                field += 1
                digits = 0
            }
        }
        return true
    }

    public func matches(_ address: PCIAddress) -> Bool {
        FNMatch.matches(pattern: fullPattern, address.description)
    }
}
