import ArgumentParser
import VFIOCore
import VFIOSystem

struct ApplyCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Bring the host to the driver state a desired-state file describes, as one transaction.",
        discussion: """
            The file (docs/state-file.md) names devices by address plus the hardware expected there, \
            by ids, as VFs of a PF, or by class, and says what each should be on: vfio (the plan's \
            choice), stub, host, or a named driver; a PF can also say how many VFs it wants. A second \
            apply of the same file changes nothing. Hardware that is not what the file expects is \
            refused (exit 3). With --dry-run the exit status is 7 when changes are pending.
            """)

    @OptionGroup var source: SourceOptions

    @Argument(
        help: ArgumentHelp("The desired-state file (TOML).", valueName: "file"),
        completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var file: String

    @Option(
        name: .customLong("device"),
        help: ArgumentHelp(
            "Only the entries selecting this device (repeatable; used by the udev rule on hot-plug): any device form; a slot or glob means each device it matches.",
            valueName: "device"), transform: BlankValue.refused)
    var only: [String] = []

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func run(_ context: CommandContext) throws {
        let report = try Provisioning.run(
            context, file: file, only: only, source: source, planning: planning, writing: writing)
        try writing.finish(report, context)
        if report.exitStatus == .changesPending { throw ExitCode(ExitStatus.changesPending.rawValue) }
    }
}

struct DiffCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show how the host differs from a desired-state file (exit 7 when changes are pending).",
        discussion: "The same as 'apply --dry-run': what would change, what already matches, what is refused and why.")

    @OptionGroup var source: SourceOptions

    @Argument(
        help: ArgumentHelp("The desired-state file (TOML).", valueName: "file"),
        completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var file: String

    @Flag(help: "Print a JSON report (schema: docs/json-schema.md).")
    var json = false

    @OptionGroup var planning: PlanningOptions

    func run(_ context: CommandContext) throws {
        // parse([]) and not WritingOptions(): reading an option of an unparsed group traps.
        var writing = try WritingOptions.parse([])
        writing.dryRun = true
        writing.json = json
        let report = try Provisioning.run(
            context, file: file, only: [], source: source, planning: planning, writing: writing)
        try writing.finish(report, context)
        if report.exitStatus == .changesPending { throw ExitCode(ExitStatus.changesPending.rawValue) }
    }
}

enum Provisioning {
    static func run(
        _ context: CommandContext, file: String, only: [String], source: SourceOptions,
        planning: PlanningOptions, writing: WritingOptions
    ) throws -> OperationReport {
        let state = try DesiredState.load(file)
        let addresses = try Self.deviceFilter(
            only, source: source, context, stateDir: writing.stateDirectory(context))
        let setup = planning.setup(context)
        let sysfs = source.kernel(context)
        // With --device (the udev rule runs one apply per added device) only what the entries selecting
        // those devices can refer to is read: the devices, the PFs `vfs_of` entries name, and their
        // IOMMU groups' members, as `bind ADDRESS` reads them; not every device of the machine.
        let scope = addresses.isEmpty ? nil : (addresses + state.namedPhysicalFunctions).map(DeviceSelector.address)
        var reconciler = Reconciler(
            engine: try writing.engine(context, source: source),
            // With --device, the planner reads the aliases of the devices it plans only. apply shows
            // no plan, so they need not cite their modules.alias lines.
            makePlanner: { (devices) throws(VFIOError) in
                try setup.makePlanner(
                    sysfs: sysfs, scope: scope == nil ? .everyDevice : .devices(devices.map(\.modalias)),
                    citations: false)
            },
            enumerate: { () throws(VFIOError) in
                guard let scope else { return try source.inventory(context) }
                return try source.inventory(context, changing: scope)
            })
        reconciler.ownership = try Self.ownership(state, source: source, context)
        var options = writing.engineOptions(context)
        if BindEngine.Options.isRunByUdev(environment: context.environment) { options.waitForUdev = false }
        return reconciler.apply(state, only: addresses.isEmpty ? nil : Set(addresses), options: options)
    }

    /// The entries' `owner`/`mode`, resolved on the host (an unknown user or group is exit 2), with
    /// the step that sets them; nil when no entry has an owner.
    static func ownership(
        _ state: DesiredState, source: SourceOptions, _ context: CommandContext
    ) throws(VFIOError)
        -> (step: NodeOwnershipStep, byEntryLine: [Int: NodeOwnership])?
    {
        var byLine: [Int: NodeOwnership] = [:]
        for entry in state.entries {
            guard let owner = entry.owner else { continue }
            do {
                byLine[entry.location.line] = try AccountResolver.resolve(owner, mode: entry.mode)
            } catch {
                throw VFIOError.usage("\(entry.location): \(error.message)")
            }
        }
        if byLine.isEmpty { return nil }
        let step = NodeOwnershipStep(kernel: source.kernel(context), nodes: context.deviceNodes(source.source(context)))
        return (step, byLine)
    }

    /// `--device` values as addresses. An address is kept as it is, present or not (the udev rule
    /// passes the device of its event); the other forms are resolved on the host, a slot or glob to
    /// every device it matches (this is a filter: it never widens what the file selects), read
    /// before the lock without what a write pending in `stateDir`'s journal would make wait.
    static func deviceFilter(
        _ texts: [String], source: SourceOptions, _ context: CommandContext, stateDir: String
    ) throws -> [PCIAddress] {
        var addresses: [PCIAddress] = []
        var others = DeviceQuery()
        for text in texts {
            let selector = try DeviceSelector(parsing: text)
            if case .address(let address) = selector {
                addresses.append(address)
            } else {
                others.selectors.append(selector)
            }
        }
        if others.selectors.isEmpty { return addresses }
        return addresses
            + (try source.select(
                context, others, from: try source.inventory(context, hostUse: .skip, stateDir: stateDir))).map(
                \.address)
    }
}
