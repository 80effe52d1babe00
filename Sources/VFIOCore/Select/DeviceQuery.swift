/// The device arguments and filters shared by `list`, `show`, `plan`, `bind` and friends, and the one
/// place where selectors are resolved to devices.
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

    public init(
        selectors: [DeviceSelector] = [], classFilter: ClassFilter? = nil, driver: DriverFilter? = nil,
        group: IOMMUGroup? = nil
    ) {
        self.selectors = selectors
        self.classFilter = classFilter
        self.driver = driver
        self.group = group
    }

    /// Whether resolving needs the `net/` directories of the devices (`NetworkInterfaceIndex`).
    public var namesInterfaces: Bool {
        selectors.contains { if case .interface = $0 { true } else { false } }
    }

    /// Devices matching every filter and at least one selector (all devices when there are none).
    /// A selector that names devices (an address, slot, glob or interface) and finds none is an error
    /// naming it (status 4): a script that names a device means that device. An interface held by
    /// several devices is ambiguous (status 2, the candidates listed). Id pairs may match nothing.
    public func select(
        from inventory: DeviceInventory, interfaces: NetworkInterfaceIndex = .empty
    ) throws(VFIOError) -> [PCIDevice] {
        var addresses: Set<PCIAddress> = []
        addresses.reserveCapacity(selectors.count)
        var patterns: [DeviceSelector] = []
        for selector in selectors {
            switch selector {
            case .address(let address):
                guard inventory.contains(address) else { throw Self.noMatch(selector) }
                addresses.insert(address)
            case .interface(let name):
                addresses.insert(try Self.owner(of: name, in: interfaces, inventory: inventory))
            case .ids, .slot, .addressGlob:
                if selector.namesDevices, !inventory.devices.contains(where: selector.matches) {
                    throw Self.noMatch(selector)
                }
                patterns.append(selector)
            }
        }
        // Addresses by set lookup: binding N VFs by address asked N selectors about each device.
        return inventory.devices.filter { device in
            (selectors.isEmpty || addresses.contains(device.address) || patterns.contains { $0.matches(device) })
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

    /// The one device `selector` names, for the commands whose meaning is one device (`show`,
    /// `override`, `sriov`): none is status 4, several are status 2 with the candidates listed.
    public static func single(
        _ selector: DeviceSelector, from inventory: DeviceInventory,
        interfaces: NetworkInterfaceIndex = .empty, command: String
    ) throws(VFIOError) -> PCIDevice {
        let matched = try DeviceQuery(selectors: [selector]).select(from: inventory, interfaces: interfaces)
        guard let first = matched.first else { throw noMatch(selector) }
        guard matched.count == 1 else {
            throw .usage(
                "'\(selector)' matches \(matched.count) devices (\(candidates(matched.map(\.address)))); '\(command)' takes one device",
                hint: "name one of them by its address")
        }
        return first
    }

    static func owner(
        of name: InterfaceName, in interfaces: NetworkInterfaceIndex, inventory: DeviceInventory
    ) throws(VFIOError) -> PCIAddress {
        let owners = (interfaces.owners[name] ?? []).filter(inventory.contains)
        guard let owner = owners.first else { throw noMatch(.interface(name)) }
        guard owners.count == 1 else {
            throw .usage(
                "network interface '\(UserText.escaped(name.rawValue))' is ambiguous: it appears under \(candidates(owners))",
                hint: "name the device by its address")
        }
        return owner
    }

    /// The status-4 error of a selector that names no device.
    public static func noMatch(_ selector: DeviceSelector) -> VFIOError {
        let what: String =
            switch selector {
            case .address(let address): "no PCI device at \(address)"
            case .ids: "no PCI device has the ids \(selector)"
            case .slot(let slot): "no PCI device in slot \(slot)"
            case .addressGlob(let glob): "no PCI device address matches \(UserText.quoted(glob.pattern))"
            case .interface(let name): "no PCI device has the network interface '\(UserText.escaped(name.rawValue))'"
            }
        return .notFound(what, hint: "run 'vfioctl list' to see the devices")
    }

    /// At most eight addresses, then how many more: a glob over a big host can match hundreds.
    static func candidates(_ addresses: [PCIAddress]) -> String {
        let shown = addresses.sorted().prefix(8).map(\.description).joined(separator: ", ")
        return addresses.count > 8 ? shown + " and \(addresses.count - 8) more" : shown
    }
}
