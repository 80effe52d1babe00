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
    /// and separators (so `/` and `..` never get through).
    public init?(_ text: some StringProtocol) {
        let parts = String(text).split(separator: ":", omittingEmptySubsequences: false)
        let domainText: Substring
        let busText: Substring
        let slotText: Substring
        switch parts.count {
        case 3: (domainText, busText, slotText) = (parts[0], parts[1], parts[2])
        case 2: (domainText, busText, slotText) = ("0000", parts[0], parts[1])
        default: return nil
        }
        let slotParts = slotText.split(separator: ".", omittingEmptySubsequences: false)
        guard slotParts.count == 2,
              (1...8).contains(domainText.count), (1...2).contains(busText.count),
              (1...2).contains(slotParts[0].count), slotParts[1].count == 1,
              let domain = UInt32(hexDigits: domainText), let bus = UInt8(hexDigits: busText),
              let device = UInt8(hexDigits: slotParts[0]), let function = UInt8(hexDigits: slotParts[1])
        else { return nil }
        self.init(domain: domain, bus: bus, device: device, function: function)
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
