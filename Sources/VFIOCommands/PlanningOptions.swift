import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Inputs of the driver choice, shared by `plan`, `show`, `bind`, `unbind` and `apply`.
struct PlanningOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).",
        valueName: "DIR"), completion: .directory, transform: BlankValue.refused)
    var modulesDir: String?

    @Option(name: .customLong("rules-dir"), help: ArgumentHelp(
        "Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.", valueName: "DIR"),
            completion: .directory, transform: BlankValue.refused)
    var rulesDirs: [String] = []

    @Flag(help: "Ignore the rule files shipped with vfioctl (PREFIX/lib/vfioctl/rules.d).")
    var noDefaultRules = false

    /// Builds the planner and reports what its inputs could not tell as warnings.
    /// `scope`: the devices it will plan, when known.
    func planner(sysfs: any SysfsAccess, aliases: Bool = true, scope: AliasScope = .everyDevice) throws(VFIOError) -> DriverPlanner {
        let planner = try setup().makePlanner(sysfs: sysfs, aliases: aliases, scope: scope)
        for warning in PlannerSetup.warnings(of: planner) { Terminal.warning(warning) }
        return planner
    }

    func setup() -> PlannerSetup {
        var setup = PlannerSetup()
        setup.modulesDirectory = modulesDir ?? EnvironmentVariable.modulesDir.value
        setup.extraRuleDirectories = rulesDirs
        setup.useShippedRules = !noDefaultRules
        // Tests pin the system-wide inputs: VFIOCTL_SYSTEM_RULES=0 skips /etc and /run rule files,
        // VFIOCTL_MODPROBE_DIRS (colon-separated) replaces the modprobe.d directories.
        setup.useSystemRules = EnvironmentVariable.systemRules.value != "0"
        if let dirs = EnvironmentVariable.modprobeDirs.value {
            setup.modprobeDirectories = dirs.split(separator: ":").map(String.init)
        }
        return setup
    }
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
}
