import ArgumentParser
import VFIOCore

struct SriovCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sriov",
        abstract: "Create (or remove) a PF's virtual functions, and optionally bind each VF through its own plan.",
        discussion: """
            Sets sriov_drivers_autoprobe to 0 first so no host driver grabs the new VFs, writes 0 \
            before a different count (the kernel answers EBUSY otherwise), then --bind binds every VF \
            as 'vfioctl bind' would, in this one process. --vfs 0 puts sriov_drivers_autoprobe back to \
            the value vfioctl found (recorded in the state directory).
            """)

    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("The physical function: a PCI address.", valueName: "device"),
              completion: .custom { _, _, _ in LiveCompletion.addresses() })
    var device: String

    @Option(help: ArgumentHelp("Number of VFs wanted (0 removes them).", valueName: "N"))
    var vfs: Int

    @Flag(help: "Bind every VF to the driver its plan chooses.")
    var bind = false

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func run() throws {
        let address = try singleAddress(device)
        let engine = try writing.engine(source: source)
        let inventory = try source.inventory()
        guard let pf = inventory[address] else {
            throw VFIOError.notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
        }
        let options = writing.engineOptions()
        var report = engine.setVirtualFunctions(pf, count: vfs, inventory: inventory, options: options)
        if report.error == nil && bind && vfs > 0 && !writing.dryRun {
            // The VFs exist now: read them, plan each, bind them all as one transaction.
            let after = try source.inventory()
            let vfsFound = after[address]?.sriov.virtfns.compactMap { after[$0] } ?? []
            let planner = try planning.planner(sysfs: source.source.sysfs)
            let request = { (device: PCIDevice) -> BindEngine.Request in
                let plan = planner.plan(device)
                return BindEngine.Request(device: device, chain: plan.chain, blocked: plan.blocked)
            }
            let bound = engine.bind(vfsFound.map(request), inventory: after, companions: request, options: options)
            report.devices += bound.devices
            report.checks += bound.checks
            report.error = bound.error
        }
        try writing.finish(report)
    }
}
