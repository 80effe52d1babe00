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
    public init?(_ text: String) {
        self.init(parsing: Substring(text))
    }

    public init?(_ text: Substring) {
        self.init(parsing: text)
    }

    /// Splits at the last `.` and the last one or two `:` before it; every field must be plain hex
    /// digits of its width (so a third `:`, a second `.` or anything else is refused).
    private init?(parsing text: Substring) {
        let utf8 = text.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")),
              let busEnd = utf8[..<dot].lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let domainEnd = utf8[..<busEnd].lastIndex(of: UInt8(ascii: ":"))
        let domainText = domainEnd.map { Substring(utf8[..<$0]) } ?? "0"
        let busText = Substring(utf8[(domainEnd.map { utf8.index(after: $0) } ?? utf8.startIndex)..<busEnd])
        let deviceText = Substring(utf8[utf8.index(after: busEnd)..<dot])
        let functionText = Substring(utf8[utf8.index(after: dot)...])
        guard let domain = Self.hexField(domainText, digits: 1...8), let bus = Self.hexField(busText, digits: 1...2),
              let device = Self.hexField(deviceText, digits: 1...2), let function = Self.hexField(functionText, digits: 1...1)
        else { return nil }
        self.init(domain: domain, bus: UInt8(bus), device: UInt8(device), function: UInt8(function))
    }

    /// `text` as a number when it is `digits` plain hex digits, nothing else.
    private static func hexField(_ text: Substring, digits: ClosedRange<Int>) -> UInt32? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(text, radix: 16)
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
