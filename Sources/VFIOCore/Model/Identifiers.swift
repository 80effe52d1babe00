/// A 16-bit PCI id. Vendor and device ids are distinct types (one cannot be passed for the other)
/// that read and print alike: 4 hex digits, as sysfs prints them.
public protocol PCIID16: Hashable, Comparable, Sendable, CustomStringConvertible {
    var rawValue: UInt16 { get }
    init(_ rawValue: UInt16)
}

extension PCIID16 {
    /// `8086` or `0x8086`, as users type it and as sysfs prints it.
    public init?(_ text: some StringProtocol) {
        guard let value = UInt16(sysfsHex: text) else { return nil }
        self.init(value)
    }
    public var description: String { hex(rawValue, width: 4) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A 16-bit PCI vendor id (`vendor`, `subsystem_vendor` in sysfs).
public struct VendorID: PCIID16 {
    public let rawValue: UInt16
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
}

/// A 16-bit PCI device id (`device`, `subsystem_device` in sysfs).
public struct DeviceID: PCIID16 {
    public let rawValue: UInt16
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
}

/// The 24-bit class code: base class, subclass, programming interface.
public struct ClassCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init?(_ rawValue: UInt32) {
        guard rawValue <= 0xFF_FFFF else { return nil }
        self.rawValue = rawValue
    }
    public init?(_ text: some StringProtocol) {
        guard let value = UInt32(sysfsHex: text), value <= 0xFF_FFFF else { return nil }
        rawValue = value
    }
    public var baseClass: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 16) }
    public var subclass: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    public var interface: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
    /// Base class and subclass, the 16-bit value lspci prints as `[0200]`.
    public var classAndSubclass: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 8) }
    public var description: String { hex(rawValue, width: 6) }

    /// Bridges (PCI-to-PCI, CardBus, semi-transparent) forward to another bus; vfio-pci refuses them.
    public var isBridge: Bool { [0x0604, 0x0607, 0x0609].contains(classAndSubclass) }
    /// Display controllers and the pre-2.0 "VGA-compatible unclassified device" (0001): the devices
    /// the kernel may give a `boot_vga` attribute (it shows it on VGA ones; display is the safe superset).
    public var mayBeBootVGA: Bool { baseClass == 0x03 || classAndSubclass == 0x0001 }
}

/// The 8-bit revision id.
public struct Revision: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public init?(_ text: some StringProtocol) {
        guard let value = UInt8(sysfsHex: text) else { return nil }
        rawValue = value
    }
    public var description: String { hex(rawValue, width: 2) }
}

/// The ids and class of a device, as `uevent` and `modalias` spell them (everything of a
/// `PCIIdentity` but the revision).
public typealias PCIIdsAndClass = (
    vendor: VendorID, device: DeviceID, subsystemVendor: VendorID, subsystemDevice: DeviceID,
    classCode: ClassCode
)

/// The full identity the PCI core matches drivers against.
public struct PCIIdentity: Hashable, Sendable {
    public var vendor: VendorID
    public var device: DeviceID
    public var subsystemVendor: VendorID
    public var subsystemDevice: DeviceID
    public var classCode: ClassCode
    /// nil when not read: only rules look at it, and `bind --driver` consults none.
    public var revision: Revision?

    public init(
        vendor: VendorID, device: DeviceID, subsystemVendor: VendorID, subsystemDevice: DeviceID,
        classCode: ClassCode, revision: Revision? = Revision(0)
    ) {
        self.vendor = vendor
        self.device = device
        self.subsystemVendor = subsystemVendor
        self.subsystemDevice = subsystemDevice
        self.classCode = classCode
        self.revision = revision
    }

    /// The kernel's modalias for this identity (`pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X`).
    public var modalias: Modalias {
        var text = HexWriter(uppercase: true)
        let fields: [(label: String, value: UInt32, width: Int)] = [
            ("pci:v", UInt32(vendor.rawValue), 8), ("d", UInt32(device.rawValue), 8),
            ("sv", UInt32(subsystemVendor.rawValue), 8), ("sd", UInt32(subsystemDevice.rawValue), 8),
            ("bc", UInt32(classCode.baseClass), 2), ("sc", UInt32(classCode.subclass), 2),
            ("i", UInt32(classCode.interface), 2)
        ]
        for field in fields {
            text.append(field.label)
            text.append(field.value, width: field.width)
        }
        return Modalias(unchecked: text.string)
    }
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// sysfs prints ids as `0x8086`; users type `8086`. Both are accepted, nothing else.
    package init?(sysfsHex text: some StringProtocol) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard digits.count <= Self.bitWidth / 4 + 1 else { return nil }
        self.init(hexDigits: digits)
    }
}
