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
    /// and separators (so `/` and `..` never get through). Parsed byte by byte: enumeration parses
    /// several addresses per device.
    public init?(_ text: some StringProtocol) {
        var fields: [UInt32] = []
        var digits: [Int] = []
        var value: UInt32 = 0
        var count = 0
        var separators: [UInt8] = []
        for byte in text.utf8 {
            if let digit = Self.hexValue(byte) {
                guard count < 8 else { return nil }
                value = value << 4 | UInt32(digit)
                count += 1
            } else if byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") {
                guard count > 0 else { return nil }
                fields.append(value)
                digits.append(count)
                separators.append(byte)
                value = 0
                count = 0
            } else {
                return nil
            }
        }
        guard count > 0 else { return nil }
        fields.append(value)
        digits.append(count)
        let colon = UInt8(ascii: ":"), dot = UInt8(ascii: ".")
        let domain: UInt32
        let rest: ArraySlice<Int>
        switch separators {
        case [colon, colon, dot]:
            domain = fields[0]
            rest = digits[1...]
        case [colon, dot]:
            domain = 0
            rest = digits[0...]
            fields.insert(0, at: 0)
            digits.insert(4, at: 0)
        default:
            return nil
        }
        let (busDigits, deviceDigits, functionDigits) = (rest[rest.startIndex], rest[rest.startIndex + 1], rest[rest.startIndex + 2])
        guard busDigits <= 2, deviceDigits <= 2, functionDigits == 1, fields[1] <= 0xFF else { return nil }
        self.init(domain: domain, bus: UInt8(fields[1]), device: UInt8(truncatingIfNeeded: fields[2] > 0xFF ? 0xFF : fields[2]),
                  function: UInt8(truncatingIfNeeded: fields[3] > 0xFF ? 0xFF : fields[3]))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The canonical sysfs spelling: lowercase, domain padded to 4 digits.
    public var description: String {
        "\(hex(domain, width: 4)):\(hex(bus, width: 2)):\(hex(device, width: 2)).\(String(function))"
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
    init?(hexDigits text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        guard let value = Self(text, radix: 16) else { return nil }
        self = value
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

/// Lowercase hex, zero-padded to `width` digits.
func hex(_ value: some BinaryInteger, width: Int) -> String {
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// Uppercase hex, zero-padded, as the kernel's modalias uses.
func upperHex(_ value: some BinaryInteger, width: Int) -> String {
    hex(value, width: width).uppercased()
}
