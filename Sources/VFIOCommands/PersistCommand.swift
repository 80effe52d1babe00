import ArgumentParser
import VFIOCore
import VFIOSystem

struct PersistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persist",
        abstract:
            "Keep a desired state across reboots and hot-plug (early binding in udev and the initramfs, a boot unit, a hot-plug udev rule).",
        subcommands: [Enable.self, Disable.self, Status.self, Add.self, Remove.self])

    struct Location: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system's /.",
                valueName: "DIR"),
            completion: .directory, transform: BlankValue.refused)
        var root: String = "/"

        func persistence() throws(VFIOError) -> Persistence { Persistence(root: try InstallRoot(root)) }
    }

    /// Prints what the steps did, or with `dryRun` what they would do (and does nothing).
    static func run(
        _ steps: [Persistence.Step], with persistence: Persistence, dryRun: Bool,
        _ context: CommandContext
    ) throws(VFIOError) {
        let lines = dryRun ? persistence.describe(steps) : try persistence.perform(steps)
        for line in lines { context.terminal.out(line + "\n") }
    }

    // Every command names itself: swift-argument-parser derives a missing name from the type's
    // name through reflection, for the whole command tree, on every run before parsing.
    struct Enable: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable",
            abstract:
                "Install FILE as /etc/vfioctl/state.toml, with early binding, the boot unit (enabled) and the hot-plug udev rule.",
            discussion: """
                Early binding (unless --late-only): every address entry whose state is vfio or stub, or whose driver is a VFIO driver, gets a udev rule (\(EarlyBindingFiles.udevRule)) that sets its driver_override before 80-drivers.rules loads the host driver, in the initramfs and on the root filesystem; the rule matches the address AND the ids. Loadable host drivers of those devices get `softdep HOST pre: VFIO` in \(EarlyBindingFiles.modprobeConfig). An initramfs-tools hook (\(EarlyBindingFiles.initramfsToolsHook)) and a dracut file (\(EarlyBindingFiles.dracutConfig)) put the rule, the state file and the modules in the initramfs, which is then rebuilt (update-initramfs -u -k all, or dracut --force --regenerate-all). Devices the running system uses (\(EarlyBindingSafety.codes.sorted().map(\.rawValue).joined(separator: ", "))) are refused as bind refuses them: exit 3 unless --force CODE.
                """)

        @Argument(
            help: ArgumentHelp("The desired-state file; it is checked first.", valueName: "file"),
            completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
        var file: String

        @OptionGroup var location: Location

        @Option(
            help: ArgumentHelp(
                "The vfioctl binary the unit and the rule run (default: this one): an absolute, normalized path of an executable file, without quotes, backslashes, '$' or control characters.",
                valueName: "path"), transform: BlankValue.refused)
        var binary: String?

        @Flag(help: "Check FILE and print what would be installed; change nothing.")
        var dryRun = false

        @Flag(
            help:
                "No early binding: install only the boot unit and the hot-plug rule (devices reach their host driver first and are moved after it); remove early-binding files installed before."
        )
        var lateOnly = false

        @Flag(
            help:
                "Do not rebuild the initramfs; print the command that would. (Under a --root other than /, it is never run.)"
        )
        var noRebuildInitramfs = false

        @Option(overriding: "Early-bind a device although a safety check refuses it, by the check's code")
        var forced: [ForceCode] = []

        @OptionGroup var early: EarlyBindingOptions

        func run(_ context: CommandContext) throws {
            let persistence = try location.persistence()
            let text = try Persistence.readStateFile(file)
            let binaryPath = binary ?? ExecutablePath.current() ?? "/usr/local/bin/vfioctl"
            // Every argument is checked before the system is read for early binding.
            _ = try UnitExecutable(binaryPath, root: persistence.root)
            let binding =
                lateOnly
                ? nil
                : try early.prepare(try DesiredState.parse(text, file: file), forced: Set(forced.map(\.code)), context)
            let steps = try persistence.enableSteps(
                stateText: text, binary: binaryPath, early: binding,
                rebuildInitramfs: !noRebuildInitramfs)
            try PersistCommand.run(steps, with: persistence, dryRun: dryRun, context)
        }
    }

    struct Disable: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract:
                "Remove the state file, the unit, the udev rules and early binding (then rebuild the initramfs); --restore also returns managed devices to their drivers and PFs to their VF settings."
        )

        @OptionGroup var location: Location

        @Flag(
            help:
                "Do not rebuild the initramfs after removing early binding; print the command that would. (Under a --root other than /, it is never run.)"
        )
        var noRebuildInitramfs = false

        @Flag(
            help:
                "Also return every device vfioctl manages to the driver it had before, and every PF whose VFs it changed to its earlier VF count and driver autoprobe."
        )
        var restore = false

        @OptionGroup var source: SourceOptions
        @OptionGroup var planning: PlanningOptions
        @OptionGroup var writing: WritingOptions

        func run(_ context: CommandContext) throws {
            let persistence = try location.persistence()
            try PersistCommand.run(
                try persistence.disableSteps(rebuildInitramfs: !noRebuildInitramfs), with: persistence,
                dryRun: writing.dryRun, context)
            guard restore else { return }
            let engine = try writing.engine(context, source: source)
            let report = try engine.restoreEverything(
                inventory: try source.inventory(context), options: writing.engineOptions(context)
            ) {
                () throws(VFIOError) in try source.inventory(context)
            }
            try writing.finish(report, context)
        }
    }

    struct Status: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract:
                "Show what is installed, whether the state file is valid, and per device whether early binding is in place.",
            discussion:
                "Early binding is in place for a device when its rule is installed, the initramfs of the running kernel holds the installed rule (lsinitramfs / lsinitrd), the expected hardware is in the slot, and no host driver of it is built into the kernel (a built-in driver probes the device before any udev rule runs: the status then says what is left)."
        )

        @OptionGroup var location: Location

        @OptionGroup var early: EarlyBindingOptions

        @Flag(help: "Print a JSON document.")
        var json = false

        func run(_ context: CommandContext) throws {
            let persistence = try location.persistence()
            let status = try persistence.status()
            // Whether the rule file's owner rules are those the state file gives (hand edits, or a
            // state file changed since 'persist enable' by other means than vfioctl's own).
            let ownerRules = status.stateFileError == nil ? persistence.ownerRulesAreCurrent() : nil
            var earlyStatus: EarlyBindingStatus? = nil
            if status.stateFile, status.stateFileError == nil {
                earlyStatus = try early.status(
                    of: try DesiredState.load(persistence.root.path(of: Persistence.stateFile)),
                    persistence: persistence, context)
            }
            if json {
                context.terminal.out(
                    JSONValue.object([
                        ("schema_version", .int(JSONSchema.version)),
                        ("enabled", .bool(status.isEnabled)),
                        ("state_file", .bool(status.stateFile)),
                        ("unit", .bool(status.unit)),
                        ("unit_enabled", .bool(status.enabled)),
                        ("udev_rule", .bool(status.udevRule)),
                        ("state_file_error", .optional(status.stateFileError?.message)),
                        ("owner_rules_current", .optional(ownerRules)),
                        ("early_binding", EarlyBindingPresentation.json(earlyStatus))
                    ]).rendered())
            } else {
                func mark(_ flag: Bool) -> String { flag ? "present" : "absent" }
                context.terminal.out(
                    """
                    persistence: \(status.isEnabled ? "enabled" : "not enabled")
                    \(Persistence.stateFile): \(mark(status.stateFile))\(status.stateFileError.map { " (\($0.status == .usage ? "INVALID: " : "")\($0.message))" } ?? "")
                    \(Persistence.unitFile): \(mark(status.unit)), \(status.enabled ? "enabled" : "not enabled")
                    \(Persistence.udevRule): \(mark(status.udevRule))\(ownerRules.map { $0 ? "" : " (owner rules NOT as the state file gives them: run 'vfioctl persist enable')" } ?? "")

                    """
                        + (status.stateFile && status.stateFileError == nil
                            ? EarlyBindingPresentation.text(earlyStatus) : ""))
            }
            // 2 for a file that does not parse, 5 for one that cannot be read, as for `diff FILE`.
            if let error = status.stateFileError { throw error }
        }
    }
}
