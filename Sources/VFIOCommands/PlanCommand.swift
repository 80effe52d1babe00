import ArgumentParser
import VFIOCore
import VFIOSystem

struct PlanCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show which driver each device would get for VFIO, and why (never writes anything).",
        discussion: """
            Candidates come from rule files (shipped defaults, /etc/vfioctl/rules.d, /run/vfioctl/rules.d, \
            --rules-dir) and from the kernel's vfio_pci: aliases in modules.alias; the chain ends in \
            vfio-pci unless a rule says otherwise. Unusable candidates stay in the chain with the reason.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Plan every device (the default when no device or filter is given).")
    var all = false

    @Flag(help: "Print the whole reasoning for each device: candidates, sources, specificity, skips.")
    var explain = false

    func validate() throws {
        if all && !selection.selectors.isEmpty {
            throw ValidationError("--all cannot be combined with device arguments")
        }
        if explain && output.json {
            throw ValidationError("--explain and --json cannot be combined (the JSON has everything)")
        }
    }

    func run(_ context: CommandContext) throws {
        let terminal = context.terminal
        let query = try selection.query()
        // Devices named by address: only they and their IOMMU groups' members are read, as `bind`
        // reads them (a plan looks at nothing else). Otherwise every device.
        let inventory =
            query.selectors.isEmpty
            ? try source.inventory(context, hostUse: .skip)
            : try source.inventory(context, changing: query.selectors, hostUse: .skip)
        let devices = try source.select(context, query, from: inventory)
        // Named devices: only their vendors' `pci:` aliases are read. Every device: all of them.
        let scope = selection.selectors.isEmpty ? AliasScope.everyDevice : .devices(devices.map(\.modalias))
        let planner = try planning.planner(context, source: source, scope: scope)
        let namer = DeviceNamer(numeric: output.numeric)
        if output.json {
            // Planned and written one device at a time: memory stays flat however many devices.
            terminal.streaming { stream in
                JSONValue.streamDocument(
                    "devices", devices, item: { PlanJSON.plan(planner.plan($0)) }, to: stream.write)
            }
            return
        }
        let plans = devices.map(planner.plan)
        if explain {
            terminal.out(plans.map(PlanText(namer: namer).explain).joined(separator: "\n"))
        } else {
            terminal.out(PlanText(namer: namer).table(plans))
        }
    }
}
