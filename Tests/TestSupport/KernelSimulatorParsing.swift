// How the kernel's attribute handlers read the bytes of a write: the buffer is NUL-terminated, names
// are compared with sysfs_streq, numbers go through sscanf("%x") or kstrto*. Reproduced byte for byte,
// because the differences (a trailing newline, "0x", a short address) are what scripts trip over.

enum KernelText {
    /// sysfs hands a store handler at most one page.
    static let pageSize = 4096

    /// The handler sees the buffer as a C string: it ends at the first NUL.
    static func cString(_ bytes: [UInt8]) -> [UInt8] {
        guard let nul = bytes.firstIndex(of: 0) else { return bytes }
        return Array(bytes[..<nul])
    }

    /// `sysfs_streq(name, buffer)`: equal, ignoring one trailing newline on the buffer.
    static func sysfsStreq(_ name: String, _ buffer: [UInt8]) -> Bool {
        let a = Array(name.utf8)
        if a == buffer { return true }
        return buffer.count == a.count + 1 && buffer.last == UInt8(ascii: "\n") && Array(buffer.dropLast()) == a
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }

    static func hexValue(_ c: UInt8) -> UInt64? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The kernel's `vsscanf(buf, "%x %x %x ...")` with `count` conversions: each skips white space,
    /// needs a hex digit, accepts a `0x` prefix, and stops the scan at the first mismatch. Returns the
    /// converted values (their number is sscanf's return value).
    static func scanHex(_ buffer: [UInt8], count: Int) -> [UInt64] {
        var values: [UInt64] = []
        var i = 0
        while values.count < count {
            while i < buffer.count && isSpace(buffer[i]) { i += 1 }
            guard i < buffer.count, hexValue(buffer[i]) != nil else { break }
            if buffer[i] == UInt8(ascii: "0"), i + 1 < buffer.count, buffer[i + 1] | 0x20 == UInt8(ascii: "x") {
                i += 2
            }
            var value: UInt64 = 0
            while i < buffer.count, let digit = hexValue(buffer[i]) {
                value = value &* 16 &+ digit
                i += 1
            }
            values.append(value)
        }
        return values
    }

    /// `kstrtoull(s, 0, &v)`: optional `+`, `0x` hex / leading-0 octal / decimal, one optional trailing
    /// newline, nothing else. nil where the kernel returns -EINVAL or -ERANGE.
    static func parseUnsigned(_ buffer: [UInt8]) -> UInt64? {
        var s = buffer[...]
        if s.first == UInt8(ascii: "+") { s = s.dropFirst() }
        var base: UInt64 = 10
        if s.first == UInt8(ascii: "0") {
            let rest = s.dropFirst()
            if let x = rest.first, x | 0x20 == UInt8(ascii: "x"), let digit = rest.dropFirst().first,
                hexValue(digit) != nil
            {
                base = 16
                s = rest.dropFirst()
            } else {
                base = 8
            }
        }
        var value: UInt64 = 0
        var digits = 0
        while let c = s.first, let digit = hexValue(c), digit < base {
            let (product, overflow1) = value.multipliedReportingOverflow(by: base)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = sum
            digits += 1
            s = s.dropFirst()
        }
        guard digits > 0 else { return nil }
        if s.first == UInt8(ascii: "\n") { s = s.dropFirst() }
        return s.isEmpty ? value : nil
    }

    /// `kstrtobool`: looks at the first one or two characters only.
    static func parseBool(_ buffer: [UInt8]) -> Bool? {
        guard let first = buffer.first else { return nil }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "1"): return true
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "0"): return false
        case UInt8(ascii: "o"), UInt8(ascii: "O"):
            guard buffer.count > 1 else { return nil }
            switch buffer[1] | 0x20 {
            case UInt8(ascii: "n"): return true
            case UInt8(ascii: "f"): return false
            default: return nil
            }
        default: return nil
        }
    }
}
