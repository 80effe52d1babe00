/// Short texts made on the stack for the paths and records written for every device moved, where
/// a String per piece cost more than the system call or line it was for.
package enum StackText {
    /// `first` and `second` joined as one NUL-terminated C string.
    package static func withCString<Result>(joining first: UnsafeBufferPointer<UInt8>, and second: UnsafeBufferPointer<UInt8> = .init(start: nil, count: 0),
                                    _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: first.count + second.count + 1) { text in
            let start = UnsafeMutableRawPointer(text.baseAddress!)
            if let base = first.baseAddress { start.copyMemory(from: base, byteCount: first.count) }
            if let base = second.baseAddress { (start + first.count).copyMemory(from: base, byteCount: second.count) }
            text[first.count + second.count] = 0
            return body(text.baseAddress!)
        }
    }

    /// The decimal digits of `value`, no sign.
    package static func withDecimalDigits<Result>(_ value: UInt, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        // 24 bytes: a UInt has at most 20 digits.
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &storage) { raw in
            let digits = raw.bindMemory(to: UInt8.self)
            var start = digits.count, rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            return body(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// The lowercase hex digit of `value`'s low four bits.
    static func hexDigit<T: BinaryInteger>(_ value: T) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value) & 0xF
        return nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }
}
