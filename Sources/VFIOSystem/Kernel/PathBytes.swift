/// Comparisons on a path's UTF-8 bytes, for LiveSysfs and its held descriptors, which look at paths
/// as the kernel does (bytes, not characters) without making Strings of their pieces.
extension UnsafeBufferPointer<UInt8> {
    /// Whether the buffer begins with `prefix`'s UTF-8 bytes.
    func hasPrefix(_ prefix: StaticString) -> Bool {
        guard count >= prefix.utf8CodeUnitCount else { return false }
        let literal = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return self.prefix(literal.count).elementsEqual(literal)
    }

    /// Whether the buffer holds exactly `literal`'s UTF-8 bytes.
    func equals(_ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && hasPrefix(literal)
    }
}

extension String {
    /// `hasPrefix` on UTF-8 bytes, as the kernel compares names (String's own compares characters,
    /// so a combining mark after the prefix would hide it).
    func utf8HasPrefix(_ prefix: StaticString) -> Bool {
        var text = self
        return text.withUTF8 { $0.hasPrefix(prefix) }
    }
}
