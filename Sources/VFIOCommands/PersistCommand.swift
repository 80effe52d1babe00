import ArgumentParser
import VFIOCore
import VFIOSystem

struct PersistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persist",
        abstract: "Keep a desired state across reboots and hot-plug (systemd unit + udev rule).",
        subcommands: [Enable.self, Disable.self, Status.self])

    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system's /.", valueName: "DIR"),
                completion: .directory, transform: BlankValue.refused)
        var root: String = "/"

        func persistence() throws(VFIOError) -> Persistence { Persistence(root: try InstallRoot(root)) }
    }

    /// Prints what the steps did, or with `dryRun` what they would do (and does nothing).
    static func run(_ steps: [Persistence.Step], with persistence: Persistence, dryRun: Bool,
                    _ context: CommandContext) throws(VFIOError) {
        let lines = dryRun ? persistence.describe(steps) : try persistence.perform(steps)
        for line in lines { context.terminal.out(line + "\n") }
    }

    // Every command names itself: swift-argument-parser derives a missing name from the type's
    // name through reflection, and it builds the whole command tree before parsing: naming these
    // three saved 2.3 million instructions of every vfioctl run (callgrind).
    struct Enable: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable",
            abstract: "Install FILE as /etc/vfioctl/state.toml, with the boot unit (enabled) and the hot-plug udev rule.")

        @Argument(help: ArgumentHelp("The desired-state file; it is checked first.", valueName: "file"),
                  completion: .file(extensions: ["toml"]), transform: BlankValue.refused)
        var file: String

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp(
            "The vfioctl binary the unit and the rule run (default: this one): an absolute, normalized path of an executable file, without quotes, backslashes, '$' or control characters.",
            valueName: "path"), transform: BlankValue.refused)
        var binary: String?

        @Flag(help: "Check FILE and print what would be installed; change nothing.")
        var dryRun = false

        func run(_ context: CommandContext) throws {
            let persistence = try location.persistence()
            let steps = try persistence.enableSteps(stateFile: file, binary: binary ?? ExecutablePath.current() ?? "/usr/local/bin/vfioctl")
            try PersistCommand.run(steps, with: persistence, dryRun: dryRun, context)
        }
    }

    struct Disable: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "Remove the state file, the unit and the udev rule; --restore also returns managed devices to their drivers and PFs to their VF settings.")

        @OptionGroup var location: Location

        @Flag(help: "Also return every device vfioctl manages to the driver it had before, and every PF whose VFs it changed to its earlier VF count and driver autoprobe.")
        var restore = false

        @OptionGroup var source: SourceOptions
        @OptionGroup var planning: PlanningOptions
        @OptionGroup var writing: WritingOptions

        func run(_ context: CommandContext) throws {
            let persistence = try location.persistence()
            try PersistCommand.run(try persistence.disableSteps(), with: persistence, dryRun: writing.dryRun, context)
            guard restore else { return }
            let engine = try writing.engine(context, source: source)
            let report = try engine.restoreEverything(inventory: try source.inventory(context), options: writing.engineOptions(context)) {
                () throws(VFIOError) in try source.inventory(context)
            }
            try writing.finish(report, context)
        }
    }

    struct Status: ContextCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show what is installed and whether the state file is valid.")

        @OptionGroup var location: Location

        @Flag(help: "Print a JSON document.")
        var json = false

        func run(_ context: CommandContext) throws {
            let status = try location.persistence().status()
            if json {
                context.terminal.out(JSONValue.object([
                    ("schema_version", .int(JSONSchema.version)),
                    ("enabled", .bool(status.isEnabled)),
                    ("state_file", .bool(status.stateFile)),
                    ("unit", .bool(status.unit)),
                    ("unit_enabled", .bool(status.enabled)),
                    ("udev_rule", .bool(status.udevRule)),
                    ("state_file_error", .optional(status.stateFileError?.message)),
                ]).rendered())
            } else {
                func mark(_ flag: Bool) -> String { flag ? "present" : "absent" }
                context.terminal.out("""
                    persistence: \(status.isEnabled ? "enabled" : "not enabled")
                    \(Persistence.stateFile): \(mark(status.stateFile))\(status.stateFileError.map { " (\($0.status == .usage ? "INVALID: " : "")\($0.message))" } ?? "")
                    \(Persistence.unitFile): \(mark(status.unit)), \(status.enabled ? "enabled" : "not enabled")
                    \(Persistence.udevRule): \(mark(status.udevRule))

                    """)
            }
            // 2 for a file that does not parse, 5 for one that cannot be read, as for `diff FILE`.
            if let error = status.stateFileError { throw error }
        }
    }
}
