/// The environment variables vfioctl reads, and what each does: one list, from which the checks at
/// start-up (the command line's `EnvironmentVariable.checkAll`) and the ENVIRONMENT section of
/// vfioctl(8) are both made, so that neither can miss one.
public enum EnvironmentVariable: String, Sendable, CaseIterable {
    case sysfsRoot = "VFIOCTL_SYSFS_ROOT"
    case stateDir = "VFIOCTL_STATE_DIR"
    case modulesDir = "VFIOCTL_MODULES_DIR"
    case procRoot = "VFIOCTL_PROC_ROOT"
    case systemRules = "VFIOCTL_SYSTEM_RULES"
    case modprobeDirs = "VFIOCTL_MODPROBE_DIRS"
    case crashAfterWrite = "VFIOCTL_TEST_CRASH_AFTER_WRITE"

    /// A colon-separated list of paths, each of which must be non-blank too (`a::b` is a mistake).
    public var isPathList: Bool { self == .modprobeDirs }

    /// What setting it does, for the manual page (Markdown inline text: `code` spans).
    public var meaning: String {
        switch self {
        case .sysfsRoot:
            "Read the sysfs tree at this directory instead of the live system: the default of `--sysfs-root`."
        case .stateDir:
            "The state directory (lock, journal, managed devices): the default of `--state-dir`, else `/run/vfioctl`."
        case .modulesDir:
            "The kernel module directory (`modules.alias`, `modules.dep`, `modules.builtin`): the default of "
                + "`--modules-dir`, else `/lib/modules/$(uname -r)`."
        case .procRoot:
            "With a sysfs tree (`--sysfs-root`), the safety checks read mounts, swap, open files and "
                + "network addresses from this `/proc`-like directory; without it such a tree has no host use. "
                + "For tests."
        case .systemRules:
            "`0`: ignore the rule files of `/etc/vfioctl/rules.d` and `/run/vfioctl/rules.d` (the shipped rules "
                + "and `--rules-dir` still apply). For tests."
        case .modprobeDirs:
            "The modprobe.d directories to read, separated by `:`, instead of `/etc/modprobe.d`, `/run/modprobe.d`, "
                + "`/usr/local/lib/modprobe.d`, `/lib/modprobe.d` and `/usr/lib/modprobe.d`. For tests."
        case .crashAfterWrite:
            "`N`: end the process right after the N-th write to sysfs, as a power cut would, to test "
                + "`vfioctl recover`. For tests only: never set it on a machine whose devices matter."
        }
    }
}
