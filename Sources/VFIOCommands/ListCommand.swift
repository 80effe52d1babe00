import ArgumentParser
import VFIOCore
import VFIOSystem

struct ListCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List PCI devices with driver, IOMMU group, driver_override and SR-IOV state.",
        discussion: """
            With no device arguments every device is listed. A device argument that names devices \
            (an address, slot, glob, interface or libvirt name) and finds none fails with status 4; \
            id pairs and filters that match nothing print an empty list.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Show the PCI topology: root buses, bridges, endpoints, and VFs under their PF.")
    var tree = false

    @Flag(
        name: [.customShort("k"), .long],
        help: """
            Also show the host drivers' modules that match each device, as lspci -k's "Kernel modules:" \
            (the kernel's pci: aliases in modules.alias; a MODULES column, or kernel_modules in --json).
            """)
    var modules = false

    @Option(
        help: ArgumentHelp(
            "With --modules: the kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).",
            valueName: "DIR"), completion: .directory, transform: BlankValue.refused)
    var modulesDir: String?

    func validate() throws {
        if tree && output.json { throw ValidationError("--tree and --json cannot be combined") }
        if tree && modules { throw ValidationError("--tree and --modules cannot be combined") }
        if modulesDir != nil && !modules { throw ValidationError("--modules-dir is only read with --modules") }
    }

    /// The host modules of each device, or nil when not asked for (the alias tables are not read).
    private func hostModules(_ context: CommandContext) throws(VFIOError) -> ((PCIDevice) -> [ModuleName])? {
        guard modules else { return nil }
        let index = try PlannerSetup(modulesDir: modulesDir, context).kernelIndex()
        for warning in index.warnings { context.terminal.warning(warning) }
        return { index.hostDriverCandidates(for: $0.modalias).map(\.module) }
    }

    func run(_ context: CommandContext) throws {
        let terminal = context.terminal
        // Only the JSON carries host use.
        let hostUse: HostUseScan = output.json ? .scan : .skip
        let query = try selection.query()
        // Devices named by address: only they are read (the tree shows every device).
        let inventory =
            tree || query.selectors.isEmpty
            ? try source.inventory(context, hostUse: hostUse)
            : try source.inventory(context, showing: query.selectors, groupMembers: false, hostUse: hostUse)
        let devices = try source.select(context, query, from: inventory)
        let namer = DeviceNamer(numeric: output.numeric)
        let hostModules = try hostModules(context)
        if output.json {
            terminal.streaming { stream in
                JSONValue.streamDocument(
                    "devices", devices,
                    item: { device in
                        let record = DeviceJSON.device(device, namer: namer)
                        return hostModules.map { DeviceJSON.adding(kernelModules: $0(device), to: record) } ?? record
                    }, to: stream.write)
            }
            return
        }
        let text = DeviceText(namer: namer, vfioDrivers: VFIODriverSet(sysfs: source.kernel(context)))
        if tree {
            terminal.out(text.tree(inventory))
        } else {
            terminal.streaming { text.list(devices, kernelModules: hostModules, to: $0.write) }
        }
    }
}
