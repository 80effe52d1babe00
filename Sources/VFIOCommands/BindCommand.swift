import ArgumentParser
import VFIOCore
import VFIOSystem

struct BindCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "Bind devices to the driver the plan chose (or --driver), safely and verifiably.",
        discussion: """
            For each device: load the module, set driver_override, unbind, bind, read the driver link \
            back; on failure try the next driver of the chain; when the chain is exhausted put the \
            device back as it was (and every other device of the same call). Waits until \
            /dev/vfio/GROUP exists and udev has processed its bind and node events. A device already on the chosen driver is left \
            alone (exit 0). Refuses (exit 3, nothing changed) when a safety check or the IOMMU group \
            says no; --force CODE overrides one check. --driver none leaves devices with no driver \
            (driver_override pinned to none, so no driver takes them at the next probe or hot-plug) \
            and records them like any bind: 'vfioctl unbind' puts each back on the driver it came from.
            """)

    @OptionGroup var source: SourceOptions

    @OptionGroup var arguments: TransactionDeviceArguments

    @Option(
        help: ArgumentHelp(
            "Bind to this driver instead of the plan's chain (a driver or module name); 'none' leaves the device without a driver and keeps it so (driver_override pinned to none, as driverctl's set-override DEVICE none); 'vfioctl unbind' undoes it.",
            valueName: "driver"), transform: BlankValue.refused)
    var driver: String?

    @Flag(help: "Also bind every other endpoint of the devices' IOMMU groups, as one transaction.")
    var group = false

    @Option(
        help: ArgumentHelp(
            "How to bind: \(BindMethodChoice.valueList) (default: driver_override; new_id for kernels without driver_override).",
            valueName: "method"), completion: BindMethodChoice.completion, transform: BindMethodChoice.parsed)
    var method: BindMethodChoice?

    @Flag(
        help:
            "Bind devices that have no IOMMU group through VFIO's no-IOMMU mode, turning it on first: NO DMA isolation (the device can reach all host memory) and a tainted kernel; exit 4 where the kernel lacks the mode (Debian's kernels)."
    )
    var noiommu = false

    @Option(help: ArgumentHelp(OwnershipArguments.ownerHelp, valueName: "user[:group]"), transform: BlankValue.refused)
    var owner: String?

    @Option(help: ArgumentHelp(OwnershipArguments.modeHelp, valueName: "mode"), transform: BlankValue.refused)
    var mode: String?

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions
    @OptionGroup var saving: SavingOptions

    func validate() throws {
        // Not a name at all: say so, instead of an empty chain's "no usable driver" (exit 4).
        if driver == DriverName.driverless.rawValue, method?.method == .newID {
            throw ValidationError(
                "--driver none works through driver_override; it cannot be combined with --method new_id")
        }
        if let driver, DriverName(driver) == nil, ModuleName(driver) == nil {
            throw VFIOError.usage(
                "invalid --driver \(UserText.quoted(driver)): expected a driver (vfio-pci) or module name (vfio_pci)")
        }
        if try OwnershipArguments.parse(owner: owner, mode: mode) != nil, let driver,
            !DesiredState.Wanted.driver(driver).isVFIO
        {
            throw VFIOError.usage(
                "--owner sets the owner of VFIO nodes: it does not go with --driver \(UserText.quoted(driver)), which makes none"
            )
        }
    }

    func run(_ context: CommandContext) throws {
        // Users and groups are looked up before anything is locked or read: a typo is exit 2.
        let ownership = try OwnershipArguments.resolve(owner: owner, mode: mode)
        let selectors = try source.writingSelectors(
            context, arguments.devices, stateDir: writing.stateDirectory(context))
        let engine = try writing.engine(context, source: source)
        let targets = try BindTargets.select(
            selectors, method: method?.method, driverless: driver == DriverName.driverless.rawValue,
            sysfs: source.kernel(context)
        ) {
            (wholeSystem: Bool) throws(VFIOError) in
            try source.inventory(context, changing: selectors, wholeSystem: wholeSystem, consultsRules: driver == nil)
        }
        guard !targets.devices.isEmpty else {
            throw SourceOptions.noDeviceMatches(arguments.devices)
        }
        // With --driver no alias is consulted: only whether the module exists.
        // Only the devices read are planned (the selected ones and their group companions).
        let planner = try planning.planner(
            context, source: source, aliases: driver == nil,
            scope: .devices(targets.inventory.devices.map(\.modalias)))
        // An explicit driver needs no plan (no alias lookups): only what blocks any driver.
        let explicitChain = driver.map { planner.explicitChain($0) }
        let request = { (device: PCIDevice) -> BindEngine.Request in
            if let explicitChain {
                return BindEngine.Request(
                    device: device, chain: explicitChain,
                    blocked: DriverPlanner.blocker(for: device, platform: planner.platform))
            }
            let plan = planner.plan(device)
            return BindEngine.Request(device: device, chain: plan.chain, blocked: plan.blocked)
        }
        var options = writing.engineOptions(context)
        options.group = group
        options.method = targets.method
        options.noIOMMU = noiommu
        if noiommu { context.terminal.warning(String(NoIOMMUMode.warning.dropFirst("warning: ".count))) }
        let nodeOwnership = NodeOwnershipStep(
            kernel: source.kernel(context), nodes: context.deviceNodes(source.source(context)))
        if ownership != nil { try nodeOwnership.checkBeforeBind(targets.devices) }
        // What a failed ownership step puts back: the devices and their records before the bind.
        let prior = ownership == nil ? [:] : try engine.priorStates(targets.inventory.devices)
        var report = engine.bind(
            targets.devices.map(request), inventory: targets.inventory, companions: request, options: options)
        if let ownership {
            nodeOwnership.apply(
                Dictionary(report.devices.map { ($0.address, ownership) }) { first, _ in first }, to: &report,
                undoing: prior, with: engine, options: options)
        }
        try writing.finish(report, context)
        guard saving.save else { return }
        // Reached only when the bind succeeded (finish throws otherwise): every device it moved or
        // found in place, with the hardware it is, so `apply` refuses a different card there later.
        let wanted: DesiredState.Wanted = driver.map { .driver($0) } ?? .vfio
        // Saved as written (`alice:`, not the group it resolved to): the file is read on other days.
        let ownerSpec = try OwnershipArguments.parse(owner: owner, mode: mode)
        let editing = try saving.editing(dryRun: writing.dryRun, context)
        for result in report.devices {
            guard let device = targets.inventory[result.address] else { continue }
            let entry = StateFileEdit.DeviceEntry(
                address: device.address, vendor: device.identity.vendor,
                device: device.identity.device, wanted: wanted, owner: ownerSpec?.0, mode: ownerSpec?.1)
            try editing.edit("add", device.address) { update, beforeWriting throws(VFIOError) in
                try update.set(
                    entry, dryRun: writing.dryRun, inventory: targets.inventory, beforeWriting: beforeWriting)
            }
        }
    }
}
