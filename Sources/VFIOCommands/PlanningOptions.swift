import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Inputs of the driver choice, shared by `plan`, `show`, `bind`, `unbind` and `apply`.
struct PlanningOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).",
            valueName: "DIR"), completion: .directory, transform: BlankValue.refused)
    var modulesDir: String?

    @Option(
        name: .customLong("rules-dir"),
        help: ArgumentHelp(
            "Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.", valueName: "DIR"),
        completion: .directory, transform: BlankValue.refused)
    var rulesDirs: [String] = []

    @Flag(
        help:
            "Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d)."
    )
    var noDefaultRules = false

    /// Builds the planner over `context`'s kernel for `source` and reports what its inputs could not
    /// tell as warnings. `scope`: the devices it will plan, when known.
    func planner(
        _ context: CommandContext, source: SourceOptions, aliases: Bool = true,
        scope: AliasScope = .everyDevice
    ) throws(VFIOError) -> DriverPlanner {
        let planner = try setup(context).makePlanner(sysfs: source.kernel(context), aliases: aliases, scope: scope)
        for warning in PlannerSetup.warnings(of: planner) { context.terminal.warning(warning) }
        return planner
    }

    func setup(_ context: CommandContext) -> PlannerSetup {
        var setup = PlannerSetup(modulesDir: modulesDir, context)
        setup.extraRuleDirectories = rulesDirs
        setup.useShippedRules = !noDefaultRules
        // Tests pin the system-wide inputs: VFIOCTL_SYSTEM_RULES=0 skips /etc and /run rule files,
        // VFIOCTL_MODPROBE_DIRS (colon-separated) replaces the modprobe.d directories.
        setup.useSystemRules = EnvironmentVariable.systemRules.value(in: context) != "0"
        if let dirs = EnvironmentVariable.modprobeDirs.value(in: context) {
            setup.modprobeDirectories = dirs.split(separator: ":").map(String.init)
        }
        return setup
    }
}

extension PlannerSetup {
    /// The inputs every command starts from: the module directory of `--modules-dir`, else
    /// $VFIOCTL_MODULES_DIR, else (nil) the running kernel's.
    init(modulesDir: String?, _ context: CommandContext) {
        self.init()
        modulesDirectory = modulesDir ?? EnvironmentVariable.modulesDir.value(in: context)
    }
}
