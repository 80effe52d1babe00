import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Where devices are read from; shared by every command.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).",
            valueName: "DIR"), completion: .directory, transform: BlankValue.refused)
    var sysfsRoot: String?

    /// The live system, or the tree of --sysfs-root (default: $VFIOCTL_SYSFS_ROOT).
    func source(_ context: CommandContext) -> DeviceSource {
        // Only no value at all means the live system: a blank one never gets this far (BlankValue).
        guard let root = sysfsRoot ?? EnvironmentVariable.sysfsRoot.value(in: context) else { return .live }
        return .sysfsTree(root: root)
    }

    /// The kernel behind the devices: what every read and write goes through.
    func kernel(_ context: CommandContext) -> any KernelAccess { context.kernel(source(context)) }

    /// Enumerates once and reports what could not be read as warnings. Commands that print no host
    /// use and check no safety pass `.skip`.
    /// A device the journal of `stateDir` (default: $VFIOCTL_STATE_DIR, else /run/vfioctl) names
    /// with a write still blocked in the kernel is read without what waits for its lock, and a
    /// warning says so.
    func inventory(
        _ context: CommandContext, hostUse: HostUseScan = .scan, stateDir: String? = nil
    ) throws(VFIOError) -> DeviceInventory {
        let pending = pendingWrites(context, stateDir: stateDir)
        return warnedOfPendingWrites(warned(try context.enumerate(source(context), hostUse, pending), context), context)
    }

    /// The devices the journal of `stateDir` (default: $VFIOCTL_STATE_DIR, else /run/vfioctl) names
    /// with a write still blocked in the kernel: every read of devices, whole or by name, leaves
    /// their lock-taking attributes unread (`PendingDeviceWrites`), or the command would hang with
    /// the write.
    private func pendingWrites(_ context: CommandContext, stateDir: String? = nil) -> PendingDeviceWrites {
        let store = context.stateStore(
            stateDir ?? EnvironmentVariable.stateDir.value(in: context) ?? StateStore.defaultDirectory)
        return PendingDeviceWrites(store: store, writeIsPending: kernel(context).writeIsPending)
    }

    private func warnedOfPendingWrites(_ inventory: DeviceInventory, _ context: CommandContext) -> DeviceInventory {
        for device in inventory.devices {
            guard let write = device.pendingWrite else { continue }
            context.terminal.warning(
                "\(device.address): the \(write) is still blocked in the kernel: its driver_override is not read (that waits for the device lock the write holds); 'vfioctl recover' finishes it once it returns"
            )
        }
        return inventory
    }

    /// What a writing command on these devices needs: when every selector is an address, only those
    /// devices and their IOMMU groups' members are read; id pairs (and `wholeSystem`, for checks
    /// about other devices) need every device.
    /// `consultsRules` false when no rule will be consulted (`bind --driver`, `unbind`); `hostUse`:
    /// whether a whole read scans what the host uses.
    /// `stateDir`: the command's state directory, whose journal names the writes still pending.
    func inventory(
        _ context: CommandContext, changing selectors: [DeviceSelector], wholeSystem: Bool = false,
        consultsRules: Bool = true, hostUse: HostUseScan = .scan, stateDir: String? = nil
    ) throws(VFIOError) -> DeviceInventory {
        try inventory(
            context, selectors, wholeSystem: wholeSystem, hostUse: hostUse, stateDir: stateDir,
            reader: GroupClosureReader(sysfs: kernel(context), consultsRules: consultsRules))
    }

    /// What `list` and `show` print about named devices: when every selector is an address, only
    /// those devices (with `groupMembers`, their IOMMU groups' members too) are read, into the
    /// records a whole enumeration makes; otherwise every device.
    func inventory(
        _ context: CommandContext, showing selectors: [DeviceSelector], groupMembers: Bool, hostUse: HostUseScan
    ) throws(VFIOError) -> DeviceInventory {
        try inventory(
            context, selectors, wholeSystem: false, hostUse: hostUse,
            reader: GroupClosureReader(
                sysfs: kernel(context), records: .asEnumerated(hostUse: hostUse), readsGroupMembers: groupMembers))
    }

    private func inventory(
        _ context: CommandContext, _ selectors: [DeviceSelector], wholeSystem: Bool, hostUse: HostUseScan,
        stateDir: String? = nil, reader: GroupClosureReader
    ) throws(VFIOError) -> DeviceInventory {
        var reader = reader
        reader.pendingWrites = pendingWrites(context, stateDir: stateDir)
        let read = try reader.inventory(for: selectors, wholeSystem: wholeSystem) { () throws(VFIOError) in
            try self.inventory(context, hostUse: hostUse, stateDir: stateDir)
        }
        // A full read has reported its warnings already.
        return read.closure ? warnedOfPendingWrites(warned(read.inventory, context), context) : read.inventory
    }

    /// The devices `query` selects; the `net/` directories are read only when a selector names an
    /// interface.
    func select(
        _ context: CommandContext, _ query: DeviceQuery, from inventory: DeviceInventory
    ) throws(VFIOError) -> [PCIDevice] {
        let interfaces = NetworkInterfaceReader(sysfs: kernel(context)).index(for: query, of: inventory)
        return try query.select(from: inventory, interfaces: interfaces)
    }

    /// The one device of a command whose meaning is one device (`show`, `override`, `sriov`): an
    /// address is taken as it is (the command reads what it needs); any other form is resolved on the
    /// host and must name exactly one device (status 4 for none, 2 with the candidates for several).
    func singleAddress(
        _ context: CommandContext, _ text: String, command: String, stateDir: String? = nil
    ) throws(VFIOError) -> PCIAddress {
        let selector = try DeviceSelector(parsing: text)
        if case .address(let address) = selector { return address }
        let inventory = try self.inventory(context, hostUse: .skip, stateDir: stateDir)
        let interfaces = NetworkInterfaceReader(sysfs: kernel(context))
            .index(for: DeviceQuery(selectors: [selector]), of: inventory)
        return try DeviceQuery.single(selector, from: inventory, interfaces: interfaces, command: command).address
    }

    /// The device arguments of a writing command (`bind`, `unbind`), checked before it takes the
    /// lock or captures the host: status 2 for a malformed one, 4 when they name no device
    /// (SelectorPrecheck), without waiting for another vfioctl to learn it. `stateDir` is the
    /// command's state directory, whose journal names the writes still pending.
    func writingSelectors(
        _ context: CommandContext, _ texts: [String], stateDir: String
    ) throws(VFIOError) -> [DeviceSelector] {
        let selectors = try texts.map { text throws(VFIOError) in try DeviceSelector(parsing: text) }
        let named = try SelectorPrecheck(sysfs: kernel(context)).namesAnyDevice(DeviceQuery(selectors: selectors)) {
            () throws(VFIOError) in
            try context.enumerate(source(context), .skip, pendingWrites(context, stateDir: stateDir))
        }
        guard named else { throw Self.noDeviceMatches(texts) }
        return selectors
    }

    /// Status 4: the device arguments `texts` matched no device.
    static func noDeviceMatches(_ texts: [String]) -> VFIOError {
        .notFound("no device matches \(UserText.quoted(texts.joined(separator: " ")))")
    }

    private func warned(_ inventory: DeviceInventory, _ context: CommandContext) -> DeviceInventory {
        for warning in inventory.warnings { context.terminal.warning(warning) }
        return inventory
    }
}

/// The device arguments and filters of `list` (and later `plan`, `bind`).
struct SelectionOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Devices: \(DeviceArgumentHelp.forms).",
            valueName: "device"),
        completion: LiveCompletion.devices, transform: BlankValue.refused)
    var selectors: [String] = []

    @Option(
        name: .customLong("class"),
        help: ArgumentHelp(
            "Only devices of this class: a name (\(ClassArgument.names.joined(separator: ", "))) or 2/4/6 hex digits (0200).",
            valueName: "class"), completion: ClassArgument.defaultCompletionKind, transform: ClassArgument.parsed)
    var classFilter: ClassArgument?

    @Option(
        help: ArgumentHelp("Only devices bound to this driver ('none' for unbound devices).", valueName: "driver"),
        transform: BlankValue.refused)
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
    /// The completion of a device argument.
    static let devices = CompletionKind.custom { _, _, _ in addresses() }

    static func addresses() -> [String] {
        let sysfs = LiveSysfs(root: EnvironmentVariable.sysfsRoot.value(in: .live()) ?? "/sys")
        return ((try? sysfs.list("bus/pci/devices")) ?? []).map(\.name).sorted()
    }
}
