/// Where `persist` installs the late-binding files: one definition for the installer (VFIOSystem's
/// `Persistence`) and for the early-binding text and status here, which name the state file and
/// the hot-plug rule.
public enum PersistedPaths {
    public static let stateFile = "/etc/vfioctl/state.toml"
    public static let unitFile = "/etc/systemd/system/vfioctl.service"
    public static let wantsLink = "/etc/systemd/system/sysinit.target.wants/vfioctl.service"
    public static let hotPlugRule = "/etc/udev/rules.d/70-vfioctl.rules"
}
