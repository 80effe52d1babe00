/// Text assembled as UTF-8 bytes and turned into a String once. Appending to a String costs hundreds
/// of instructions a piece, and the text written per device (managed records, journal entries,
/// report lines) has a dozen pieces: at 32 VFs that was a tenth of a bind's user-space work. The
/// bytes live in one buffer this value owns (it cannot be copied), so an append is a capacity
/// check and a copy: appending to an Array cost ~150 instructions a piece, most of a record's.
package struct TextBytes: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    package init(capacity: Int) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    package mutating func append(_ literal: StaticString) {
        append(bytes: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Labelled so that a literal picks the StaticString overload above: Swift prefers String for
    /// an unlabelled literal, and copying a small String's bytes out cost ~100 instructions.
    package mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(bytes: $0) }
    }

    package mutating func append(byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    package mutating func append(bytes more: UnsafeBufferPointer<UInt8>) {
        guard let base = more.baseAddress, more.count > 0 else { return }
        reserve(more.count)
        (start + count).update(from: base, count: more.count)
        count += more.count
    }

    /// An address as `description` spells it, with no String made.
    package mutating func append(_ address: PCIAddress) {
        address.withSpelling { append(bytes: $0) }
    }

    /// Lowercase hex, at least `width` digits (ids as the records spell them).
    package mutating func append(hex value: some UnsignedInteger, width: Int) {
        // A 16-bit id in 4 digits, the usual case, written directly.
        if width == 4, value <= 0xFFFF {
            reserve(4)
            let number = UInt16(value)
            for position in 0..<4 { start[count + position] = StackText.hexDigit(number >> (12 - 4 * position)) }
            count += 4
            return
        }
        var text = HexText()
        text.append(value, width: width)
        text.withBytes { append(bytes: $0) }
    }

    /// Decimal, with a minus sign when negative.
    package mutating func append(_ number: Int) {
        if number < 0 { append(byte: UInt8(ascii: "-")) }
        StackText.withDecimalDigits(number.magnitude) { append(bytes: $0) }
    }

    package var text: String { String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self) }

    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let grown = max(capacity * 2, count + more)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.initialize(from: start, count: count)
        start.deallocate()
        start = larger
        capacity = grown
    }
}
