/// Shell-style globbing (`*`, `?`, `[...]`) for address patterns in rule and state files, such as
/// `0000:00:02.*` or `0000:0[45]:00.*`. Plain recursion is fine at these lengths.
public enum Glob {
    public static func matches(pattern: String, _ text: String) -> Bool {
        matches(Array(pattern.utf8)[...], Array(text.utf8)[...])
    }

    private static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case UInt8(ascii: "*"):
            var rest = text
            while true {
                if matches(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !text.isEmpty && matches(pattern.dropFirst(), text.dropFirst())
        case UInt8(ascii: "["):
            guard let close = pattern.dropFirst(2).firstIndex(of: UInt8(ascii: "]")), let c = text.first else {
                return text.first == first && matches(pattern.dropFirst(), text.dropFirst())
            }
            var set = pattern[(pattern.startIndex + 1)..<close]
            let negate = set.first == UInt8(ascii: "!") || set.first == UInt8(ascii: "^")
            if negate { set = set.dropFirst() }
            var found = false
            var i = set.startIndex
            while i < set.endIndex {
                if i + 2 < set.endIndex, set[i + 1] == UInt8(ascii: "-") {
                    if set[i] <= c && c <= set[i + 2] { found = true }
                    i += 3
                } else {
                    if set[i] == c { found = true }
                    i += 1
                }
            }
            return found != negate && matches(pattern[(close + 1)...], text.dropFirst())
        default:
            return text.first == first && matches(pattern.dropFirst(), text.dropFirst())
        }
    }

    /// Whether `pattern` is a glob that can match a canonical PCI address at all (hex digits, `:`,
    /// `.`, and glob characters only).
    public static func isAddressPattern(_ pattern: String) -> Bool {
        !pattern.isEmpty
            && pattern.utf8.allSatisfy {
                $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "*")
                    || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]")
                    || $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "-")
            }
    }
}
