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

    @Argument(help: ArgumentHelp("The desired-state file (TOML).", valueName: "file"), completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var file: String

    @Option(name: .customLong("device"), help: ArgumentHelp(
        "Only the entries selecting this device (repeatable; used by the udev rule on hot-plug).", valueName: "address"), transform: BlankValue.refused)
    var only: [String] = []

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func run(_ context: CommandContext) throws {
        let report = try Provisioning.run(context, file: file, only: only, source: source, planning: planning, writing: writing)
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

    @Argument(help: ArgumentHelp("The desired-state file (TOML).", valueName: "file"), completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
    var file: String

    @Flag(help: "Print a JSON report (schema: docs/json-schema.md).")
    var json = false

    @OptionGroup var planning: PlanningOptions

    func run(_ context: CommandContext) throws {
        // parse([]) and not WritingOptions(): reading an option of an unparsed group traps.
        var writing = try WritingOptions.parse([])
        writing.dryRun = true
        writing.json = json
        let report = try Provisioning.run(context, file: file, only: [], source: source, planning: planning, writing: writing)
        try writing.finish(report, context)
        if report.exitStatus == .changesPending { throw ExitCode(ExitStatus.changesPending.rawValue) }
    }
}

enum Provisioning {
    static func run(_ context: CommandContext, file: String, only: [String], source: SourceOptions,
                    planning: PlanningOptions, writing: WritingOptions) throws -> OperationReport {
        let state = try DesiredState.load(file)
        let addresses = try only.map { text throws(VFIOError) in try singleAddress(text) }
        let setup = planning.setup(context)
        let sysfs = source.kernel(context)
        let reconciler = Reconciler(engine: try writing.engine(context, source: source),
                                    makePlanner: { () throws(VFIOError) in try setup.makePlanner(sysfs: sysfs) },
                                    enumerate: { () throws(VFIOError) in try source.inventory(context) })
        var options = writing.engineOptions(context)
        if BindEngine.Options.isRunByUdev(environment: context.environment) { options.waitForUdev = false }
        return reconciler.apply(state, only: addresses.isEmpty ? nil : Set(addresses), options: options)
    }
}
