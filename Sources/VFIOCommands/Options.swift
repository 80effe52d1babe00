import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Where devices are read from; shared by every command.
struct SourceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).",
        valueName: "DIR"), completion: .directory, transform: BlankValue.refused)
    var sysfsRoot: String?

    var source: DeviceSource {
        // Only no value at all means the live system: a blank one never gets this far (BlankValue).
        guard let root = sysfsRoot ?? EnvironmentVariable.sysfsRoot.value else { return .live }
        return .sysfsTree(root: root)
    }

    /// The sysfs root writes go to.
    var sysfsRootPath: String {
        if case .sysfsTree(let root) = source { return root }
        return "/sys"
    }

    /// Enumerates once and reports what could not be read as warnings. Commands that print no host
    /// use and check no safety pass `.skip`.
    func inventory(hostUse: HostUseScan = .scan) throws(VFIOError) -> DeviceInventory {
        warned(try source.enumerate(hostUse: hostUse))
    }

    /// What a writing command on these devices needs: when every selector is an address, only those
    /// devices and their IOMMU groups' members are read; id pairs (and `wholeSystem`, for checks
    /// about other devices) need every device.
    /// `consultsRules` false when no rule will be consulted (`bind --driver`, `unbind`); `hostUse`:
    /// whether a whole read scans what the host uses.
    func inventory(changing selectors: [DeviceSelector], wholeSystem: Bool = false,
                   consultsRules: Bool = true, hostUse: HostUseScan = .scan) throws(VFIOError) -> DeviceInventory {
        var addresses: [PCIAddress] = []
        for case .address(let address) in selectors { addresses.append(address) }
        guard !wholeSystem, addresses.count == selectors.count,
              let inventory = GroupClosureReader(sysfs: source.sysfs, consultsRules: consultsRules).inventory(of: addresses)
        else { return try self.inventory(hostUse: hostUse) }
        return warned(inventory)
    }

    private func warned(_ inventory: DeviceInventory) -> DeviceInventory {
        for warning in inventory.warnings { Terminal.warning(warning) }
        return inventory
    }
}

/// The device arguments and filters of `list` (and later `plan`, `bind`).
struct SelectionOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Devices: a PCI address (0000:01:00.0 or 01:00.0) or an id pair VVVV:DDDD.",
                                 valueName: "device"),
              completion: .custom { _, _, _ in LiveCompletion.addresses() }, transform: BlankValue.refused)
    var selectors: [String] = []

    @Option(name: .customLong("class"), help: ArgumentHelp(
        "Only devices of this class: a name (\(ClassArgument.names.joined(separator: ", "))) or 2/4/6 hex digits (0200).",
        valueName: "class"), completion: ClassArgument.defaultCompletionKind, transform: ClassArgument.parsed)
    var classFilter: ClassArgument?

    @Option(help: ArgumentHelp("Only devices bound to this driver ('none' for unbound devices).", valueName: "driver"), transform: BlankValue.refused)
    var driver: String?

    @Option(help: ArgumentHelp("Only devices in this IOMMU group.", valueName: "group"))
    var group: Int?

    func query() throws(VFIOError) -> DeviceQuery {
        var query = DeviceQuery()
        for text in selectors { query.selectors.append(try DeviceSelector(parsing: text)) }
        if let classFilter { query.classFilter = try ClassFilter(parsing: classFilter.text) }
        if let driver { query.driver = try DeviceQuery.DriverFilter(parsing: driver) }
        if let group {
            guard group >= 0 else { throw .usage("invalid IOMMU group \(group): group numbers are 0 or more") }
            query.group = IOMMUGroup(group)
        }
        return query
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print a JSON document (schema: docs/json-schema.md).")
    var json = false

    @Flag(help: "Print numeric ids only; do not load pci.ids.")
    var numeric = false
}

/// Shell completion of device arguments offers the addresses present right now.
enum LiveCompletion {
    static func addresses() -> [String] {
        let sysfs = LiveSysfs(root: EnvironmentVariable.sysfsRoot.value ?? "/sys")
        return ((try? sysfs.list("bus/pci/devices")) ?? []).map(\.name).sorted()
    }
}
