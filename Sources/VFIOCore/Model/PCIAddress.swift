
/// A PCI function address, `DDDD:BB:DD.F`, the name sysfs gives each device directory.
///
/// Parsing happens here, at the edge: everything past this type works with checked numbers, so a
/// malformed argument can never turn into a path such as `devices/../../something`.
public struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let domain: UInt32
    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8

    public init?(domain: UInt32, bus: UInt8, device: UInt8, function: UInt8) {
        guard domain <= 0xFFFF_FFFF, device < 32, function < 8 else { return nil }
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// Accepts `DDDD:BB:DD.F` and the short `BB:DD.F` form (domain 0000), hex in either case.
    /// Rejects device numbers above 1f, functions above 7, and anything that is not plain hex digits
    /// and separators (so `/` and `..` never get through). Parsed byte by byte into fixed fields:
    /// enumeration and binding parse several addresses per device.
    public init?(_ text: some StringProtocol) {
        // The canonical spelling, which sysfs names and links always use, read at fixed positions.
        if let canonical = text.utf8.withContiguousStorageIfAvailable(Self.canonical), let canonical {
            self = canonical
            return
        }
        // Up to four fields (domain, bus, device, function) and the separator before each of the last three.
        var fields: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        var digits: (Int, Int, Int, Int) = (0, 0, 0, 0)
        var separators: (UInt8, UInt8, UInt8) = (0, 0, 0)
        var index = 0
        var value: UInt32 = 0
        var count = 0
        func store(_ value: UInt32, _ count: Int, at index: Int) {
            switch index {
            case 0: fields.0 = value; digits.0 = count
            case 1: fields.1 = value; digits.1 = count
            case 2: fields.2 = value; digits.2 = count
            default: fields.3 = value; digits.3 = count
            }
        }
        for byte in text.utf8 {
            if let digit = byte.hexDigitValue {
                guard count < 8 else { return nil }
                value = value << 4 | UInt32(digit)
                count += 1
            } else if byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") {
                guard count > 0, index < 3 else { return nil }
                store(value, count, at: index)
                switch index {
                case 0: separators.0 = byte
                case 1: separators.1 = byte
                default: separators.2 = byte
                }
                index += 1
                value = 0
                count = 0
            } else {
                return nil
            }
        }
        guard count > 0 else { return nil }
        store(value, count, at: index)
        let colon = UInt8(ascii: ":"), dot = UInt8(ascii: ".")
        let domain: UInt32, bus: UInt32, device: UInt32, function: UInt32
        let busDigits: Int, deviceDigits: Int, functionDigits: Int
        switch (index, separators.0, separators.1, separators.2) {
        case (3, colon, colon, dot):
            (domain, bus, device, function) = fields
            (busDigits, deviceDigits, functionDigits) = (digits.1, digits.2, digits.3)
        case (2, colon, dot, _):
            (domain, bus, device, function) = (0, fields.0, fields.1, fields.2)
            (busDigits, deviceDigits, functionDigits) = (digits.0, digits.1, digits.2)
        default:
            return nil
        }
        guard busDigits <= 2, deviceDigits <= 2, functionDigits == 1, bus <= 0xFF else { return nil }
        self.init(domain: domain, bus: UInt8(bus), device: UInt8(truncatingIfNeeded: device > 0xFF ? 0xFF : device),
                  function: UInt8(truncatingIfNeeded: function > 0xFF ? 0xFF : function))
    }

    /// The same parse on bytes (a directory entry's name), without making a String for the usual
    /// canonical spelling.
    package init?(bytes: UnsafeBufferPointer<UInt8>) {
        if let canonical = Self.canonical(bytes) {
            self = canonical
            return
        }
        self.init(String(decoding: bytes, as: UTF8.self))
    }

    /// `dddd:bb:dd.f` (12 bytes, hex in either case), or nil for anything else, which the general
    /// parser then reads (and rejects or accepts exactly as before).
    private static func canonical(_ bytes: UnsafeBufferPointer<UInt8>) -> PCIAddress? {
        guard bytes.count == 12, bytes[4] == UInt8(ascii: ":"), bytes[7] == UInt8(ascii: ":"),
              bytes[10] == UInt8(ascii: ".") else { return nil }
        var value: UInt64 = 0
        for position in 0..<12 where position != 4 && position != 7 && position != 10 {
            guard let digit = bytes[position].hexDigitValue else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return PCIAddress(domain: UInt32(value >> 20), bus: UInt8(truncatingIfNeeded: value >> 12),
                          device: UInt8(truncatingIfNeeded: value >> 4), function: UInt8(truncatingIfNeeded: value & 0xF))
    }

    /// One word instead of four fields: addresses are hashed for every set and index lookup.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(domain) << 24 | UInt64(bus) << 16 | UInt64(device) << 8 | UInt64(function))
    }

    /// The canonical sysfs spelling: lowercase, domain padded to 4 digits.
    public var description: String {
        "\(hex(domain, width: 4)):\(hex(bus, width: 2)):\(hex(device, width: 2)).\(hex(function, width: 1))"
    }

    /// The slot this function sits in (all functions of a multifunction device share it).
    public var slot: PCISlot { PCISlot(domain: domain, bus: bus, device: device) }

    public static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool {
        (lhs.domain, lhs.bus, lhs.device, lhs.function) < (rhs.domain, rhs.bus, rhs.device, rhs.function)
    }
}

public struct PCISlot: Hashable, Sendable {
    public let domain: UInt32
    public let bus: UInt8
    public let device: UInt8
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// Strict hex parsing: digits only, no sign, no `0x`, no whitespace.
    package init?(hexDigits text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        guard let value = Self(text, radix: 16) else { return nil }
        self = value
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the buffer begins with `prefix`'s UTF-8 bytes.
    package func hasPrefix(_ prefix: StaticString) -> Bool {
        guard count >= prefix.utf8CodeUnitCount else { return false }
        let literal = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return self.prefix(literal.count).elementsEqual(literal)
    }

    /// Whether the buffer holds exactly `literal`'s UTF-8 bytes.
    package func equals(_ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && hasPrefix(literal)
    }
}

extension String {
    /// `hasPrefix` and `hasSuffix` on UTF-8 bytes, as the kernel compares names (String's own
    /// compare characters, so a combining mark after the prefix would hide it).
    package func utf8HasPrefix(_ prefix: StaticString) -> Bool {
        var text = self
        return text.withUTF8 { $0.hasPrefix(prefix) }
    }

    func utf8HasSuffix(_ suffix: StaticString) -> Bool {
        var text = self
        return text.withUTF8 { bytes in
            bytes.count >= suffix.utf8CodeUnitCount
                && UnsafeBufferPointer(rebasing: bytes[(bytes.count - suffix.utf8CodeUnitCount)...]).hasPrefix(suffix)
        }
    }
}

extension UInt8 {
    package var isHexDigit: Bool { hexDigitValue != nil }

    /// The value of an ASCII hex digit, either case; nil for any other byte.
    var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Plain hex digits (no `0x`), 1 to `maxDigits` of them, as the kernel writes ids in `uevent`
    /// and `modalias`; nil for anything else.
    package func hexNumber(maxDigits: Int) -> UInt32? {
        guard !isEmpty, count <= maxDigits else { return nil }
        var value: UInt32 = 0
        for byte in self {
            guard let digit = byte.hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// Lowercase hex, zero-padded to `width` digits.
package func hex(_ value: some UnsignedInteger, width: Int) -> String {
    padded(String(value, radix: 16), width: width)
}

/// Uppercase hex, zero-padded, as the kernel's modalias uses.
package func upperHex(_ value: some UnsignedInteger, width: Int) -> String {
    padded(String(value, radix: 16, uppercase: true), width: width)
}

private func padded(_ digits: String, width: Int) -> String {
    String(repeating: "0", count: max(0, width - digits.count)) + digits
}
