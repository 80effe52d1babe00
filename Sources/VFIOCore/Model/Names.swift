/// A kernel module alias string such as `pci:v00008086d000010D3sv...`.
public struct Modalias: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
    /// Accepts only the `pci:` form the kernel writes; anything else is not a PCI modalias.
    public init?(_ text: String) {
        let bytes = text.utf8
        guard bytes.starts(with: "pci:v".utf8), bytes.count < 128, !bytes.contains(UInt8(ascii: "/")) else {
            return nil
        }
        rawValue = text
    }
    public var description: String { rawValue }

    /// The ids and class spelled out in the kernel's exact format
    /// (`pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X`); nil for any other shape, or ids wider
    /// than 16 bits.
    public var pciIdentity: PCIIdsAndClass? {
        let bytes = Array(rawValue.utf8)
        // Labels at their fixed offsets, then the hex digits between them.
        guard bytes.count == 53, bytes.starts(with: "pci:v".utf8), bytes[13] == UInt8(ascii: "d"),
            bytes[22] == UInt8(ascii: "s"), bytes[23] == UInt8(ascii: "v"),
            bytes[32] == UInt8(ascii: "s"), bytes[33] == UInt8(ascii: "d"),
            bytes[42] == UInt8(ascii: "b"), bytes[43] == UInt8(ascii: "c"),
            bytes[46] == UInt8(ascii: "s"), bytes[47] == UInt8(ascii: "c"), bytes[50] == UInt8(ascii: "i")
        else { return nil }
        func hex(_ range: Range<Int>) -> UInt32? { UInt32(hexDigits: String(decoding: bytes[range], as: UTF8.self)) }
        guard let vendor = hex(5..<13), vendor <= 0xFFFF, let device = hex(14..<22), device <= 0xFFFF,
            let subsystemVendor = hex(24..<32), subsystemVendor <= 0xFFFF,
            let subsystemDevice = hex(34..<42), subsystemDevice <= 0xFFFF,
            let baseClass = hex(44..<46), let subclass = hex(48..<50), let interface = hex(51..<53),
            let classCode = ClassCode(baseClass << 16 | subclass << 8 | interface)
        else { return nil }
        return (
            VendorID(UInt16(vendor)), DeviceID(UInt16(device)), VendorID(UInt16(subsystemVendor)),
            DeviceID(UInt16(subsystemDevice)), classCode
        )
    }
}

/// The name a PCI driver registers under (`/sys/bus/pci/drivers/NAME`, what `driver_override` takes).
/// Distinct from `ModuleName`: `xe-vfio-pci` is the driver of module `xe_vfio_pci`, and mixing them up
/// is a real bug users hit.
public struct DriverName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    /// Driver names are path components under /sys/bus/pci/drivers: refuse separators and dot names.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard isSafePathComponent(text) else { return nil }
        rawValue = text
    }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public static let vfioPCI = DriverName("vfio-pci")!
    public static let pciStub = DriverName("pci-stub")!
    public static let pcieport = DriverName("pcieport")!
}

/// A kernel module name, normalised the way kmod does (`-` becomes `_`).
public struct ModuleName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard isSafePathComponent(text) else { return nil }
        rawValue = String(text.map { $0 == "-" ? "_" : $0 })
    }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// An IOMMU group number (`/sys/kernel/iommu_groups/N`).
public struct IOMMUGroup: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let number: Int
    public init(_ number: Int) { self.number = number }
    public init?(_ text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(text) else { return nil }
        number = n
    }
    public var description: String { String(number) }
    public static func < (a: Self, b: Self) -> Bool { a.number < b.number }
}

func isSafePathComponent(_ text: String) -> Bool {
    let bytes = text.utf8
    return !bytes.isEmpty && bytes.count <= 255 && text != "." && text != ".."
        && !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 <= 0x20 || $0 == 0x7F })
}
