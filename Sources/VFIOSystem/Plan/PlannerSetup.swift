#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Where the planner's inputs come from: the kernel's module directory, modprobe.d, rule directories.
/// Everything is read once per process here.
public struct PlannerSetup: Sendable {
    /// nil: the running kernel's `/lib/modules/$(uname -r)`.
    public var modulesDirectory: String?
    /// Added after the standard rule directories, with the highest precedence (`--rules-dir`).
    public var extraRuleDirectories: [String] = []
    public var useShippedRules = true
    /// Whether to read /etc/vfioctl/rules.d and /run/vfioctl/rules.d (tests turn this off).
    public var useSystemRules = true
    public var modprobeDirectories: [String] = ModprobeConfig.defaultDirectories

    public init() {}

    /// What the inputs could not tell (unreadable modprobe.d lines, a missing modules.alias.bin, ...).
    public static func warnings(of planner: DriverPlanner) -> [String] {
        planner.kernel.warnings + planner.modprobe.warnings + planner.loaded.warnings
    }

    /// `aliases: false` when only named drivers are used (`bind --driver`): module existence is
    /// checked, kernel aliases are not read. `scope`: the devices the planner will be asked about,
    /// when they are known (the `pci:` aliases of other vendors are not read). `citations: false` when
    /// no plan is shown (`apply`): kernel aliases need not cite their modules.alias lines.
    public func makePlanner(
        sysfs: any SysfsAccess, aliases: Bool = true,
        scope: AliasScope = .everyDevice, citations: Bool = true
    ) throws(VFIOError) -> DriverPlanner {
        let kernel = try kernelIndex(aliases: aliases, scope: scope, citations: citations)
        var directories: [(String, RulePrecedence)] = []
        // The built-in files, then an installed copy of them replacing each by name.
        if useShippedRules, let shipped = ShippedRules.directory() { directories.append((shipped, .shippedDefaults)) }
        if useSystemRules {
            directories += [("/etc/vfioctl/rules.d", .administrator), ("/run/vfioctl/rules.d", .runtime)]
        }
        directories += extraRuleDirectories.map { ($0, .commandLine) }
        let rules = try RuleSet.load(builtIn: useShippedRules ? BuiltInRules.files : [], directories: directories)
        // modprobe.blacklist= and module_blacklist= on the kernel command line count as blacklists too.
        let commandLine =
            modprobeDirectories == ModprobeConfig.defaultDirectories ? (try? TextFile.read("/proc/cmdline")) : nil
        return DriverPlanner(
            kernel: kernel,
            modprobe: try ModprobeConfig(directories: modprobeDirectories, kernelCommandLine: commandLine),
            loaded: LoadedModules(sysfs: sysfs), rules: rules,
            platform: Platform(
                architecture: Uname.machine, kernelVersion: kernel.kernelVersion,
                virtualMachine: commandLine != nil && Self.runningInVirtualMachine()))
    }

    /// Whether this system is a hypervisor's guest: the CPU says so (x86's `hypervisor` flag in
    /// /proc/cpuinfo), or the kernel knows its hypervisor (`/sys/hypervisor/type`, Xen).
    static func runningInVirtualMachine() -> Bool {
        if let cpuinfo = try? TextFile.read("/proc/cpuinfo"),
            cpuinfo.split(separator: "\n").contains(where: {
                $0.hasPrefix("flags") && $0.split(separator: " ").contains("hypervisor")
            })
        {
            return true
        }
        return (try? TextFile.read("/sys/hypervisor/type")).map { !$0.isEmpty } ?? false
    }

    /// The kernel's module tables alone (`aliases: false`: module files, no alias tables).
    public func kernelIndex(
        aliases: Bool = true, scope: AliasScope = .everyDevice, citations: Bool = true
    ) throws(VFIOError) -> KernelModuleIndex {
        // A directory the user named must exist; the running kernel's may be missing (containers).
        let running = KernelModuleIndex.runningKernelDirectory()
        if let modulesDirectory {
            return try KernelModuleIndex(
                modulesDirectory: modulesDirectory, aliases: aliases, scope: scope, citations: citations)
        } else if KernelFiles.isDirectory(running) {
            return try KernelModuleIndex(
                modulesDirectory: running, aliases: aliases, scope: scope, citations: citations)
        }
        return KernelModuleIndex(missing: running)
    }
}
