import ArgumentParser
import VFIOCore
import VFIOSystem

struct BindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "Bind devices to the driver the plan chose (or --driver), safely and verifiably.",
        discussion: """
            For each device: load the module, set driver_override, unbind, bind, read the driver link \
            back; on failure try the next driver of the chain; when the chain is exhausted put the \
            device back as it was (and every other device of the same call). Waits until \
            /dev/vfio/GROUP exists and udev has processed its bind and node events. A device already on the chosen driver is left \
            alone (exit 0). Refuses (exit 3, nothing changed) when a safety check or the IOMMU group \
            says no; --force CODE overrides one check.
            """)

    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("Devices: PCI addresses (0000:01:00.0 or 01:00.0) or id pairs VVVV:DDDD.", valueName: "device"),
              completion: .custom { _, _, _ in LiveCompletion.addresses() }, transform: BlankValue.refused)
    var devices: [String]

    @Option(help: ArgumentHelp("Bind to this driver instead of the plan's chain (a driver or module name).", valueName: "driver"), transform: BlankValue.refused)
    var driver: String?

    @Flag(help: "Also bind every other endpoint of the devices' IOMMU groups, as one transaction.")
    var group = false

    @Option(help: ArgumentHelp("How to bind: \(BindMethodChoice.valueList) (default: driver_override; new_id for kernels without driver_override).",
                               valueName: "method"), completion: BindMethodChoice.completion, transform: BindMethodChoice.parsed)
    var method: BindMethodChoice?

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func validate() throws {
        if devices.isEmpty { throw ValidationError("name at least one device") }
        // Not a name at all: say so, instead of an empty chain's "no usable driver" (exit 4).
        if let driver, DriverName(driver) == nil, ModuleName(driver) == nil {
            throw VFIOError.usage("invalid --driver \(UserText.quoted(driver)): expected a driver (vfio-pci) or module name (vfio_pci)")
        }
    }

    func run() throws {
        let engine = try writing.engine(source: source)
        let selectors = try devices.map { text throws(VFIOError) in try DeviceSelector(parsing: text) }
        var bindMethod = method?.method
        // new_id binds every unbound device with the same ids: that check needs the whole system.
        var inventory = try source.inventory(changing: selectors, wholeSystem: bindMethod == .newID, consultsRules: driver == nil)
        var selected = try DeviceQuery(selectors: selectors).select(from: inventory)
        guard !selected.isEmpty else { throw VFIOError.notFound("no device matches \(UserText.quoted(devices.joined(separator: " ")))") }
        if bindMethod == nil, !DriverOverrideSupport.available(sysfs: source.source.sysfs, address: selected[0].address) {
            bindMethod = .newID
            inventory = try source.inventory()
            selected = try DeviceQuery(selectors: selectors).select(from: inventory)
        }
        // With --driver no alias is consulted: only whether the module exists.
        // Only the devices read are planned (the selected ones and their group companions).
        let planner = try planning.planner(sysfs: source.source.sysfs, aliases: driver == nil,
                                           scope: .devices(inventory.devices.map(\.modalias)))
        // An explicit driver needs no plan (no alias lookups): only what blocks any driver.
        let explicitChain = driver.map { planner.explicitChain($0) }
        let request = { (device: PCIDevice) -> BindEngine.Request in
            if let explicitChain {
                return BindEngine.Request(device: device, chain: explicitChain, blocked: DriverPlanner.blocker(for: device))
            }
            let plan = planner.plan(device)
            return BindEngine.Request(device: device, chain: plan.chain, blocked: plan.blocked)
        }
        var options = writing.engineOptions()
        options.group = group
        options.method = bindMethod
        let report = engine.bind(selected.map(request), inventory: inventory,
                                                          companions: request, options: options)
        try writing.finish(report)
    }
}
