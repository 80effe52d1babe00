#if canImport(Glibc)
import Glibc
#endif

/// Keeps a desired state across reboots and hot-plug: the state file in /etc/vfioctl, a systemd
/// oneshot unit that applies it early at boot (after udev's coldplug, before networking and VM
/// managers), and a udev rule that applies the matching entries to devices that appear later
/// (hot-plug, new VFs). `root` lets tests install into a directory instead of `/`.
public struct Persistence: Sendable {
    public let root: String
    /// The absolute path of the vfioctl binary the unit and the rule run.
    public let binary: String

    public init(root: String = "/", binary: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.binary = binary
    }

    public static let stateFile = "/etc/vfioctl/state.toml"
    public static let unitFile = "/etc/systemd/system/vfioctl.service"
    public static let wantsLink = "/etc/systemd/system/sysinit.target.wants/vfioctl.service"
    public static let udevRule = "/etc/udev/rules.d/70-vfioctl.rules"

    func path(_ absolute: String) -> String { root == "/" ? absolute : root + absolute }

    public var unitText: String {
        """
        # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
        [Unit]
        Description=Apply the desired PCI driver state (vfioctl)
        Documentation=man:vfioctl.apply(1) man:vfioctl.persist(1)
        DefaultDependencies=no
        # After udev's coldplug, so every PCI device exists and native drivers are loaded...
        After=systemd-udev-trigger.service systemd-udev-settle.service systemd-modules-load.service
        Wants=systemd-udev-trigger.service
        # ...and before anything configures networks or starts VMs on these devices.
        Before=sysinit.target network-pre.target libvirtd.service virtqemud.service shutdown.target
        Wants=network-pre.target
        Conflicts=shutdown.target
        ConditionPathExists=\(Self.stateFile)

        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=\(binary) apply \(Self.stateFile)

        [Install]
        WantedBy=sysinit.target

        """
    }

    public var udevRuleText: String {
        """
        # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
        # A PCI device that appears after boot (hot-plug, new SR-IOV VFs) gets the state the file
        # gives it; devices no entry selects cost one quick exit.
        ACTION=="add", SUBSYSTEM=="pci", TEST=="\(Self.stateFile)", RUN+="\(binary) apply \(Self.stateFile) --device $kernel --lock-timeout 30"

        """
    }

    /// Validates `file` (it must parse), then installs it, the unit (enabled) and the udev rule.
    public func enable(stateFile file: String) throws(VFIOError) -> [String] {
        let text: String
        do { text = try TextFile.read(file) } catch { throw error.vfioError() }
        _ = try DesiredState.parse(text, file: file)
        guard binary.hasPrefix("/") else { throw .usage("the vfioctl binary must be an absolute path, not \(binary)") }
        var done: [String] = []
        try FileInstaller.write(path(Self.stateFile), text, mode: 0o644)
        done.append("installed \(Self.stateFile)")
        try FileInstaller.write(path(Self.unitFile), unitText, mode: 0o644)
        done.append("installed \(Self.unitFile)")
        try FileInstaller.symlink(path(Self.wantsLink), to: "../vfioctl.service")
        done.append("enabled vfioctl.service (\(Self.wantsLink))")
        try FileInstaller.write(path(Self.udevRule), udevRuleText, mode: 0o644)
        done.append("installed \(Self.udevRule)")
        return done + reload()
    }

    public func disable() throws(VFIOError) -> [String] {
        var done: [String] = []
        for file in [Self.wantsLink, Self.unitFile, Self.udevRule, Self.stateFile] where try FileInstaller.remove(path(file)) {
            done.append("removed \(file)")
        }
        return done + reload()
    }

    public struct Status: Sendable {
        public var stateFile: Bool
        public var unit: Bool
        public var enabled: Bool
        public var udevRule: Bool
        /// nil when the installed file is valid (or absent).
        public var stateFileError: String?
        public var isEnabled: Bool { stateFile && unit && enabled && udevRule }
    }

    public func status() -> Status {
        var status = Status(stateFile: exists(Self.stateFile), unit: exists(Self.unitFile), enabled: exists(Self.wantsLink),
                            udevRule: exists(Self.udevRule))
        if status.stateFile {
            do { _ = try DesiredState.load(path(Self.stateFile)) } catch { status.stateFileError = error.message }
        }
        return status
    }

    private func exists(_ absolute: String) -> Bool {
        var info = stat()
        return lstat(path(absolute), &info) == 0
    }

    /// Tell a running systemd and udev about the changed files (only on the real root).
    private func reload() -> [String] {
        guard root == "/" else { return [] }
        var done: [String] = []
        if access("/run/systemd/system", F_OK) == 0, ChildProcess.run(["/bin/systemctl", "daemon-reload"]) == 0 {
            done.append("reloaded systemd")
        }
        if access("/run/udev/control", F_OK) == 0, ChildProcess.run(["/bin/udevadm", "control", "--reload"]) == 0 {
            done.append("reloaded udev rules")
        }
        return done
    }
}

/// Small, crash-safe file operations for installed files.
enum FileInstaller {
    static func write(_ path: String, _ text: String, mode: mode_t) throws(VFIOError) {
        try makeParents(path)
        let temporary = path + ".vfioctl-new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(errno, "create \(temporary)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(temporary)
            throw failure(EIO, "write \(temporary)")
        }
        fchmodat(AT_FDCWD, temporary, mode, 0)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure(code, "install \(path)")
        }
    }

    static func symlink(_ path: String, to target: String) throws(VFIOError) {
        try makeParents(path)
        unlink(path)
        guard Glibc.symlink(target, path) == 0 else { throw failure(errno, "link \(path)") }
    }

    /// true when something was removed.
    static func remove(_ path: String) throws(VFIOError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure(errno, "remove \(path)")
    }

    private static func makeParents(_ path: String) throws(VFIOError) {
        var current = ""
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw failure(errno, "create \(current)") }
        }
    }

    private static func failure(_ code: Int32, _ what: String) -> VFIOError {
        VFIOError(code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .failed,
                  "cannot \(what): \(errnoName(code))", hint: code == EACCES || code == EPERM ? "run as root" : nil)
    }
}
