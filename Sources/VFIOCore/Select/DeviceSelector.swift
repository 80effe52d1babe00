/// One device argument, the same for every command that names devices. The forms, tried in this
/// order (the first that fits wins, so the forms never overlap):
///
/// | form | example | selects |
/// |---|---|---|
/// | address, full or short | `0000:01:00.0`, `01:00.0` | that function |
/// | libvirt node-device name | `pci_0000_01_00_0` | that function |
/// | id pair (lspci `-d`) | `8086:10d3`, `8086:` | every device with those ids |
/// | slot | `01:00`, `0000:01:00` | every function of that slot |
/// | glob over addresses | `0000:3b:*`, `3b:0?.*` | every address the pattern matches (fnmatch) |
/// | network interface | `eth0`, `enp1s0f1` | the device whose `net/` directory holds it |
///
/// Nothing else parses — no empty text, no `:` alone, no `0x`, no spaces, no control characters, no
/// glob without a literal digit (`*`, `*:*`) — so no argument can select every device by being empty,
/// mangled or too broad.
public enum DeviceSelector: Sendable, Equatable, CustomStringConvertible {
    case address(PCIAddress)
    case ids(VendorID, DeviceID?)
    case slot(PCISlot)
    case addressGlob(AddressGlob)
    case interface(InterfaceName)

    public init(parsing text: String) throws(VFIOError) {
        // Bytes, not Characters: a bind of many VFs parses one selector per VF.
        let hasDot = text.utf8.contains(UInt8(ascii: "."))
        if hasDot, let address = PCIAddress(text) {
            self = .address(address)
            return
        }
        if text.utf8.starts(with: "pci_".utf8) {
            guard let address = Self.libvirtNodeDevice(text) else {
                throw .usage(
                    "invalid libvirt node-device name \(UserText.quoted(text)): expected pci_DDDD_BB_SS_F, such as pci_0000_01_00_0",
                    hint: "run 'virsh nodedev-list --cap pci' or 'vfioctl list' to see the devices")
            }
            self = .address(address)
            return
        }
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        if !hasDot, parts.count == 2, let vendor = Self.fourHexDigits(parts[0]) {
            if parts[1].isEmpty || parts[1].elementsEqual("*".utf8) {
                self = .ids(VendorID(vendor), nil)
                return
            }
            if let device = Self.fourHexDigits(parts[1]) {
                self = .ids(VendorID(vendor), DeviceID(device))
                return
            }
        }
        if !hasDot, let slot = Self.slot(parts) {
            self = .slot(slot)
            return
        }
        if AddressGlob.looksLikeGlob(text) {
            self = .addressGlob(try AddressGlob(parsing: text))
            return
        }
        if !text.utf8.contains(UInt8(ascii: ":")), let name = InterfaceName(text) {
            self = .interface(name)
            return
        }
        throw .usage(
            "invalid device \(UserText.quoted(text)): expected a PCI address (0000:01:00.0 or 01:00.0), an id pair VVVV:DDDD, a slot (01:00), an address glob (0000:3b:*), a network interface or a libvirt name (pci_0000_01_00_0)",
            hint: "run 'vfioctl list' to see the devices")
    }

    private static func fourHexDigits(_ bytes: Substring.UTF8View) -> UInt16? {
        guard bytes.count == 4, bytes.allSatisfy(\.isHexDigit) else { return nil }
        return bytes.reduce(0) { $0 << 4 | UInt16($1.hexDigitValue ?? 0) }
    }

    private static func hexValue(_ bytes: Substring.UTF8View, digits: ClosedRange<Int>) -> UInt32? {
        guard digits.contains(bytes.count), bytes.allSatisfy(\.isHexDigit) else { return nil }
        return bytes.reduce(0) { $0 << 4 | UInt32($1.hexDigitValue ?? 0) }
    }

    /// `BB:SS` or `DDDD:BB:SS`: one or two digits for the bus and the slot (below 20 hex), four for
    /// the domain. Two-digit fields keep it apart from an id pair (`VVVV:DDDD`, four and four).
    private static func slot(_ parts: [Substring.UTF8View]) -> PCISlot? {
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let domain = parts.count == 3 ? hexValue(parts[0], digits: 4...4) : 0
        guard let domain, let bus = hexValue(parts[parts.count - 2], digits: 1...2),
            let device = hexValue(parts[parts.count - 1], digits: 1...2), device < 32
        else { return nil }
        return PCISlot(domain: domain, bus: UInt8(bus), device: UInt8(device))
    }

    /// libvirt's `pci_%04x_%02x_%02x_%x` (virNodeDevice names): exactly those digit counts.
    private static func libvirtNodeDevice(_ text: String) -> PCIAddress? {
        let fields = text.utf8.dropFirst(4).split(separator: UInt8(ascii: "_"), omittingEmptySubsequences: false)
        let widths = [4, 2, 2, 1]
        guard fields.count == widths.count,
            zip(fields, widths).allSatisfy({ $0.count == $1 && $0.allSatisfy(\.isHexDigit) })
        else { return nil }
        let values = fields.map { $0.reduce(UInt32(0)) { $0 << 4 | UInt32($1.hexDigitValue ?? 0) } }
        return PCIAddress(
            domain: values[0], bus: UInt8(values[1]), device: UInt8(values[2]), function: UInt8(values[3]))
    }

    /// Whether the selector names particular devices (an address, a slot, a glob, an interface),
    /// so that matching nothing is an error (status 4). Id pairs describe hardware that may be absent.
    public var namesDevices: Bool {
        if case .ids = self { return false }
        return true
    }

    /// Matches on the device record alone; an interface needs the sysfs `net/` directories
    /// (`DeviceQuery.select(from:interfaces:)`).
    public func matches(_ device: PCIDevice) -> Bool {
        switch self {
        case .address(let address): device.address == address
        case .ids(let vendor, let deviceID):
            device.identity.vendor == vendor && (deviceID == nil || device.identity.device == deviceID)
        case .slot(let slot): device.address.slot == slot
        case .addressGlob(let glob): glob.matches(device.address)
        case .interface: false
        }
    }

    public var description: String {
        switch self {
        case .address(let address): address.description
        case .ids(let vendor, let device): "\(vendor):\(device?.description ?? "")"
        case .slot(let slot): slot.description
        case .addressGlob(let glob): glob.pattern
        case .interface(let name): name.rawValue
        }
    }
}

/// `--class`: a name (`net`, `storage`, `display`, ...) or a hex prefix of the class code
/// (`02`, `0200`, `020000`, with or without `0x`).
public struct ClassFilter: Sendable, Equatable {
    public let prefix: UInt32
    public let digits: Int

    public static let names: [(name: String, hex: String, meaning: String)] = [
        ("storage", "01", "mass storage controllers (NVMe, SATA, SAS, RAID)"),
        ("net", "02", "network controllers"),
        ("display", "03", "display controllers (VGA, 3D)"),
        ("gpu", "03", "same as display"),
        ("multimedia", "04", "multimedia controllers"),
        ("audio", "0403", "audio devices (HDMI/HD audio)"),
        ("memory", "05", "memory controllers"),
        ("bridge", "06", "bridges (host, ISA, PCI, root ports)"),
        ("communication", "07", "communication controllers (serial, modems)"),
        ("system", "08", "system peripherals (IOMMU, DMA, timers)"),
        ("input", "09", "input devices"),
        ("serial-bus", "0c", "serial bus controllers (USB, SMBus, Thunderbolt)"),
        ("usb", "0c03", "USB controllers"),
        ("wireless", "0d", "wireless controllers"),
        ("crypto", "10", "encryption controllers"),
        ("signal", "11", "signal processing controllers"),
        ("accelerator", "12", "processing accelerators")
    ]

    public init(parsing text: String) throws(VFIOError) {
        let lowered = text.lowercased()
        let hexText =
            Self.names.first { $0.name == lowered }?.hex
            ?? (lowered.hasPrefix("0x") ? String(lowered.dropFirst(2)) : lowered)
        guard [2, 4, 6].contains(hexText.count), let value = UInt32(hexDigits: hexText) else {
            throw .usage(
                "invalid class \(UserText.quoted(text)): expected a name (\(Self.names.map(\.name).joined(separator: ", "))) or 2, 4 or 6 hex digits",
                hint: "e.g. --class net or --class 0200")
        }
        prefix = value
        digits = hexText.count
    }

    public func matches(_ device: PCIDevice) -> Bool {
        device.identity.classCode.rawValue >> UInt32(4 * (6 - digits)) == prefix
    }
}

extension PCISlot: CustomStringConvertible {
    /// `DDDD:BB:SS`, as lspci and sysfs spell a slot.
    public var description: String {
        func hex(_ value: UInt32, _ width: Int) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return hex(domain, 4) + ":" + hex(UInt32(bus), 2) + ":" + hex(UInt32(device), 2)
    }
}
