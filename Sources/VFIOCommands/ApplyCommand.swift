import ArgumentParser
import VFIOCore
import VFIOSystem

struct ApplyCommand: ParsableCommand {
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

    @Argument(help: ArgumentHelp("The desired-state file (TOML).", valueName: "file"), completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var file: String

    @Option(name: .customLong("device"), help: ArgumentHelp(
        "Only the entries selecting this device (repeatable; used by the udev rule on hot-plug).", valueName: "address"), transform: BlankValue.refused)
    var only: [String] = []

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func run() throws {
        let report = try Provisioning.run(file: file, only: only, source: source, planning: planning, writing: writing)
        try writing.finish(report)
        if report.exitStatus == .changesPending { throw ExitCode(ExitStatus.changesPending.rawValue) }
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show how the host differs from a desired-state file (exit 7 when changes are pending).",
        discussion: "The same as 'apply --dry-run': what would change, what already matches, what is refused and why.")

    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("The desired-state file (TOML).", valueName: "file"), completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var file: String

    @Flag(help: "Print a JSON report (schema: docs/json-schema.md).")
    var json = false

    @OptionGroup var planning: PlanningOptions

    func run() throws {
        // parse([]) and not WritingOptions(): reading an option of an unparsed group traps.
        var writing = try WritingOptions.parse([])
        writing.dryRun = true
        writing.json = json
        let report = try Provisioning.run(file: file, only: [], source: source, planning: planning, writing: writing)
        try writing.finish(report)
        if report.exitStatus == .changesPending { throw ExitCode(ExitStatus.changesPending.rawValue) }
    }
}

enum Provisioning {
    static func run(file: String, only: [String], source: SourceOptions, planning: PlanningOptions,
                    writing: WritingOptions) throws -> OperationReport {
        let state = try DesiredState.load(file)
        let addresses = try only.map { text throws(VFIOError) in try singleAddress(text) }
        let setup = planning.setup()
        let sysfs = source.source.sysfs
        // With --device (the udev rule runs one apply per added device) only what the entries selecting
        // those devices can refer to is read: the devices, the PFs `vfs_of` entries name, and their
        // IOMMU groups' members, as `bind ADDRESS` reads them; not every device of the machine.
        let scope = addresses.isEmpty ? nil : (addresses + state.namedPhysicalFunctions).map(DeviceSelector.address)
        let reconciler = Reconciler(engine: try writing.engine(source: source),
                                    // With --device, the planner reads the aliases of the devices it plans only.
                                    makePlanner: { (devices) throws(VFIOError) in
                                        try setup.makePlanner(sysfs: sysfs, scope: scope == nil ? .everyDevice : .devices(devices.map(\.modalias)))
                                    },
                                    enumerate: { () throws(VFIOError) in
                                        guard let scope else { return try source.inventory() }
                                        return try source.inventory(changing: scope)
                                    })
        var options = writing.engineOptions()
        // Run by udev (the `persist` rule's RUN+=, which has the event's SEQNUM and DEVPATH): the
        // event this run belongs to stays queued until the run exits, so waiting for udev to settle
        // after a bind could only time out (10 s per device, serialized by the lock).
        if environment("SEQNUM") != nil && environment("DEVPATH") != nil { options.waitForUdev = false }
        // Several applies at once (udev's coldplug runs one per device next to the boot unit) can
        // find a device moved by another while waiting for the lock: nothing was changed, so look
        // again and apply what is still needed.
        var report = reconciler.run(state, only: addresses.isEmpty ? nil : Set(addresses), options: options)
        for _ in 0..<3 where report.error?.retryable == true {
            report = reconciler.run(state, only: addresses.isEmpty ? nil : Set(addresses), options: options)
        }
        report.reportsPendingChanges = true
        return report
    }
}
