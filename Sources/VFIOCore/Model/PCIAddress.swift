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

    /// Accepts `DDDD:BB:DD.F` and the short `BB:DD.F` form (domain 0000), hex in either case: a domain
    /// of 1-8 digits, bus and device of 1-2, function of 1. Rejects device numbers above 1f, functions
    /// above 7, and anything that is not plain hex digits and separators (so `/` and `..` never get
    /// through).
    public init?(_ text: some StringProtocol) {
        guard text.utf8.allSatisfy({ $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return nil }
        let slotAndFunction = text.split(separator: ".", omittingEmptySubsequences: false)
        guard slotAndFunction.count == 2 else { return nil }
        let fields = slotAndFunction[0].split(separator: ":", omittingEmptySubsequences: false)
        let domainText: Substring
        switch fields.count {
        case 3: domainText = Substring(fields[0])
        case 2: domainText = "0"
        default: return nil
        }
        let busText = fields[fields.count - 2], deviceText = fields[fields.count - 1], functionText = slotAndFunction[1]
        guard (1...8).contains(domainText.count), (1...2).contains(busText.count), (1...2).contains(deviceText.count),
              functionText.count == 1,
              let domain = UInt32(domainText, radix: 16), let bus = UInt8(busText, radix: 16),
              let device = UInt8(deviceText, radix: 16), let function = UInt8(functionText, radix: 16)
        else { return nil }
        self.init(domain: domain, bus: bus, device: device, function: function)
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
