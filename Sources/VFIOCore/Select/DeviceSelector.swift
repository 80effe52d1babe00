/// One device argument: a PCI address (full or short form) or an id pair `VVVV:DDDD` (`VVVV:` for a
/// whole vendor), the way lspci's `-s` and `-d` take them.
public enum DeviceSelector: Sendable, Equatable, CustomStringConvertible {
    case address(PCIAddress)
    case ids(VendorID, DeviceID?)

    /// Exactly the forms above: an address, `VVVV:DDDD`, `VVVV:` or `VVVV:*`, ids as four hex
    /// digits. Nothing else — no empty text, no `:` alone, no `0x`, no spaces — so no argument can
    /// select every device by being empty or mangled.
    public init(parsing text: String) throws(VFIOError) {
        // Bytes, not Characters: a bind of many VFs parses one selector per VF.
        let hasDot = text.utf8.contains(UInt8(ascii: "."))
        if hasDot, let address = PCIAddress(text) {
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
        throw .usage("invalid device \(UserText.quoted(text)): expected a PCI address (0000:01:00.0 or 01:00.0) or an id pair VVVV:DDDD",
                     hint: "run 'vfioctl list' to see the devices")
    }

    private static func fourHexDigits(_ bytes: Substring.UTF8View) -> UInt16? {
        guard bytes.count == 4, bytes.allSatisfy(\.isHexDigit) else { return nil }
        return bytes.reduce(0) { $0 << 4 | UInt16($1.hexDigitValue ?? 0) }
    }

    public func matches(_ device: PCIDevice) -> Bool {
        switch self {
        case .address(let address): device.address == address
        case .ids(let vendor, let deviceID):
            device.identity.vendor == vendor && (deviceID == nil || device.identity.device == deviceID)
        }
    }

    public var description: String {
        switch self {
        case .address(let address): address.description
        case .ids(let vendor, let device): "\(vendor):\(device?.description ?? "")"
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
        ("accelerator", "12", "processing accelerators"),
    ]

    public init(parsing text: String) throws(VFIOError) {
        let lowered = text.lowercased()
        let hexText = Self.names.first { $0.name == lowered }?.hex
            ?? (lowered.hasPrefix("0x") ? String(lowered.dropFirst(2)) : lowered)
        guard [2, 4, 6].contains(hexText.count), let value = UInt32(hexDigits: hexText) else {
            throw .usage("invalid class \(UserText.quoted(text)): expected a name (\(Self.names.map(\.name).joined(separator: ", "))) or 2, 4 or 6 hex digits",
                         hint: "e.g. --class net or --class 0200")
        }
        prefix = value
        digits = hexText.count
    }

    public func matches(_ device: PCIDevice) -> Bool {
        device.identity.classCode.rawValue >> UInt32(4 * (6 - digits)) == prefix
    }
}

/// The device arguments and filters shared by `list`, `show`, `plan`, `bind` and friends.
public struct DeviceQuery: Sendable {
    public var selectors: [DeviceSelector] = []
    public var classFilter: ClassFilter?
    /// A driver name, or nil for any; `DriverFilter.none` selects devices without a driver.
    public var driver: DriverFilter?
    public var group: IOMMUGroup?

    public enum DriverFilter: Sendable, Equatable {
        case unbound
        case named(DriverName)

        public init(parsing text: String) throws(VFIOError) {
            if text == "none" {
                self = .unbound
            } else if let name = DriverName(text) {
                self = .named(name)
            } else {
                throw .usage("invalid driver name \(UserText.quoted(text))")
            }
        }
    }

    public init(selectors: [DeviceSelector] = [], classFilter: ClassFilter? = nil, driver: DriverFilter? = nil,
                group: IOMMUGroup? = nil) {
        self.selectors = selectors
        self.classFilter = classFilter
        self.driver = driver
        self.group = group
    }

    /// Devices matching every filter and at least one selector (all devices when there are none).
    /// An address that names no device is an error: a script that names a device means that device.
    public func select(from inventory: DeviceInventory) throws(VFIOError) -> [PCIDevice] {
        var addresses: Set<PCIAddress> = []
        addresses.reserveCapacity(selectors.count)
        var idSelectors: [DeviceSelector] = []
        for selector in selectors {
            guard case .address(let address) = selector else {
                idSelectors.append(selector)
                continue
            }
            guard inventory.contains(address) else {
                throw .notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
            }
            addresses.insert(address)
        }
        // Addresses by set lookup: binding N VFs by address asked N selectors about each device.
        return inventory.devices.filter { device in
            (selectors.isEmpty || addresses.contains(device.address) || idSelectors.contains { $0.matches(device) })
                && (classFilter?.matches(device) ?? true)
                && (group.map { device.iommuGroup == $0 } ?? true)
                && {
                    switch driver {
                    case nil: true
                    case .unbound: device.driver == nil
                    case .named(let name): device.driver == name
                    }
                }()
        }
    }
}
