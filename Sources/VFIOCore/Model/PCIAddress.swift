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
            let busEnd = utf8[..<dot].lastIndex(of: UInt8(ascii: ":"))
        else { return nil }
        let domainEnd = utf8[..<busEnd].lastIndex(of: UInt8(ascii: ":"))
        let domainText = domainEnd.map { Substring(utf8[..<$0]) } ?? "0"
        let busText = Substring(utf8[(domainEnd.map { utf8.index(after: $0) } ?? utf8.startIndex)..<busEnd])
        let deviceText = Substring(utf8[utf8.index(after: busEnd)..<dot])
        let functionText = Substring(utf8[utf8.index(after: dot)...])
        guard let domain = Self.hexField(domainText, digits: 1...8), let bus = Self.hexField(busText, digits: 1...2),
            let device = Self.hexField(deviceText, digits: 1...2),
            let function = Self.hexField(functionText, digits: 1...1)
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
        var text = HexWriter()
        text.append(domain, width: 4)
        text.append(":")
        text.append(bus, width: 2)
        text.append(":")
        text.append(device, width: 2)
        text.append(".")
        text.append(function, width: 1)
        return text.string
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
    var text = HexWriter()
    text.append(value, width: width)
    return text.string
}

/// Uppercase hex, zero-padded, as the kernel's modalias uses.
package func upperHex(_ value: some UnsignedInteger, width: Int) -> String {
    var text = HexWriter(uppercase: true)
    text.append(value, width: width)
    return text.string
}

/// Hex numbers and separators collected as UTF-8 and made into one String: addresses, ids and
/// modaliases are spelled for every path and record of every device moved, and String(_:radix:)
/// with padding and interpolation made that a large share of a bind.
struct HexWriter {
    private static let lowercase = Array("0123456789abcdef".utf8)
    private static let uppercase = Array("0123456789ABCDEF".utf8)
    private var bytes: [UInt8] = []
    private let digits: [UInt8]

    init(uppercase: Bool = false) {
        digits = uppercase ? Self.uppercase : Self.lowercase
        bytes.reserveCapacity(64)
    }

    /// `value` in hex, at least `width` digits.
    mutating func append(_ value: some UnsignedInteger, width: Int) {
        let number = UInt64(value)
        var count = 1
        while count < 16 && number >> (4 * UInt64(count)) != 0 { count += 1 }
        for position in (0..<max(count, width)).reversed() {
            bytes.append(position < 16 ? digits[Int(number >> (4 * UInt64(position)) & 0xF)] : UInt8(ascii: "0"))
        }
    }

    /// Separators and labels, as they are.
    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
