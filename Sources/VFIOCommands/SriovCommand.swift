import ArgumentParser
import VFIOCore
import VFIOSystem

struct SriovCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "sriov",
        abstract: "Create (or remove) a PF's virtual functions, and optionally bind each VF through its own plan.",
        discussion: """
            Sets sriov_drivers_autoprobe to 0 first so no host driver grabs the new VFs, writes 0 \
            before a different count (the kernel answers EBUSY otherwise), then --bind binds every VF \
            as 'vfioctl bind' would, in this one process; if binding fails, the PF goes back to its \
            earlier VF count, and VFs it had back to their drivers. --vfs 0 puts \
            sriov_drivers_autoprobe back to the value vfioctl found (recorded in the state directory).
            """)

    @OptionGroup var source: SourceOptions

    @Argument(
        help: ArgumentHelp(
            "The physical function: \(DeviceArgumentHelp.forms); it must name exactly one device.", valueName: "device"),
        completion: LiveCompletion.devices, transform: BlankValue.refused)
    var device: String

    @Option(help: ArgumentHelp("Number of VFs wanted (0 removes them).", valueName: "N"))
    var vfs: Int

    @Flag(help: "Bind every VF to the driver its plan chooses.")
    var bind = false

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func run(_ context: CommandContext) throws {
        let address = try source.singleAddress(
            context, device, command: "sriov", stateDir: writing.stateDirectory(context))
        let engine = try writing.engine(context, source: source)
        let inventory = try source.inventory(context)
        guard let pf = inventory[address] else {
            throw VFIOError.notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
        }
        let reconciler = Reconciler(
            engine: engine,
            makePlanner: { _ throws(VFIOError) in try planning.planner(context, source: source) },
            enumerate: { () throws(VFIOError) in try source.inventory(context) })
        let report = reconciler.setVirtualFunctions(
            of: pf, count: vfs, bind: bind, inventory: inventory,
            options: writing.engineOptions(context))
        try writing.finish(report, context)
    }
}
