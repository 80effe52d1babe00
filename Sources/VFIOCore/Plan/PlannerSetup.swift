#if canImport(Glibc)
import Glibc
#endif

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

    public func makePlanner(sysfs: any SysfsAccess) throws(VFIOError) -> DriverPlanner {
        let kernel = try KernelModuleIndex(modulesDirectory: modulesDirectory ?? KernelModuleIndex.runningKernelDirectory())
        var directories: [(String, RulePrecedence)] = []
        if useShippedRules, let shipped = ShippedRules.directory() { directories.append((shipped, .shippedDefaults)) }
        if useSystemRules {
            directories += [("/etc/vfioctl/rules.d", .administrator), ("/run/vfioctl/rules.d", .runtime)]
        }
        directories += extraRuleDirectories.map { ($0, .commandLine) }
        for directory in extraRuleDirectories where !Self.isDirectory(directory) {
            throw VFIOError(.usage, "rule directory \(directory) does not exist")
        }
        let rules = try RuleSet.load(directories: directories)
        return DriverPlanner(kernel: kernel, modprobe: ModprobeConfig(directories: modprobeDirectories),
                             loaded: LoadedModules(sysfs: sysfs), rules: rules,
                             platform: Platform(architecture: Self.machine(), kernelVersion: kernel.kernelVersion))
    }

    static func machine() -> String {
        var names = utsname()
        uname(&names)
        return withUnsafePointer(to: names.machine) {
            $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) }
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
