#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Keeps a desired state across reboots and hot-plug: the state file in /etc/vfioctl, a systemd
/// oneshot unit that applies it early at boot (after udev's coldplug, before networking and VM
/// managers), and a udev rule that applies the matching entries to devices that appear later
/// (hot-plug, new VFs). `root` lets tests and image builders install into a directory instead of `/`.
///
/// `enable` and `disable` first list their steps (`Step`), reading only; then either perform them
/// or, for a dry run, describe them. A dry run therefore cannot write: it never reaches `perform`.
public struct Persistence: Sendable {
    public let root: InstallRoot

    public init(root: InstallRoot) { self.root = root }

    public static let stateFile = PersistedPaths.stateFile
    public static let unitFile = PersistedPaths.unitFile
    public static let wantsLink = PersistedPaths.wantsLink
    public static let udevRule = PersistedPaths.hotPlugRule

    /// One change to the installed files or to the running system, in the order it is made.
    /// Paths are the system's (`/etc/...`), under `root` when performed.
    public enum Step: Sendable, Equatable {
        case install(path: String, text: String, mode: mode_t = 0o644)
        case link(path: String, target: String)
        case remove(path: String)
        /// Tell the running systemd or udev that their files changed.
        case reload(HostReload)
        /// Rebuild the initramfs images, so the early rule is in them (or no longer is).
        case rebuildInitramfs(InitramfsTool)
        /// Say how to rebuild them instead (`--no-rebuild-initramfs`, or an image under `--root`).
        case showRebuild(InitramfsTool)
    }

    public enum HostReload: Sendable, Equatable {
        case systemd, udev

        var command: [String] {
            switch self {
            case .systemd: ["/bin/systemctl", "daemon-reload"]
            case .udev: ["/bin/udevadm", "control", "--reload"]
            }
        }

        /// Present only while that manager runs.
        var runningMarker: String {
            switch self {
            case .systemd: "/run/systemd/system"
            case .udev: "/run/udev/control"
            }
        }
    }

    // MARK: planning (reads only)

    /// Validates `file` (it must parse) and `binary`, then: the state file, the unit, its enabling
    /// link, the udev rule, and the reloads.
    public func enableSteps(stateFile file: String, binary: String) throws(VFIOError) -> [Step] {
        let text = try Self.readStateFile(file)
        return try enableSteps(stateText: text, binary: binary, early: nil, rebuildInitramfs: false)
    }

    /// The state file's text; it must parse.
    public static func readStateFile(_ file: String) throws(VFIOError) -> String {
        let text: String
        do { text = try TextFile.read(file) } catch { throw error.vfioError() }
        _ = try DesiredState.parse(text, file: file)
        return text
    }

    /// The late-binding files (state file, unit, its link, the hot-plug rule), then the early-binding
    /// files for `early` (nil or empty: none, and any installed earlier are removed), the reloads,
    /// and, when early-binding files change, the initramfs rebuild (`rebuildInitramfs`: run it on
    /// the running system; otherwise say how).
    public func enableSteps(
        stateText text: String, binary: String, early: EarlyBinding?,
        rebuildInitramfs: Bool
    ) throws(VFIOError) -> [Step] {
        let executable = try UnitExecutable(binary, root: root)
        var steps: [Step] = [
            .install(path: Self.stateFile, text: text),
            .install(path: Self.unitFile, text: Self.unitText(executable)),
            .link(path: Self.wantsLink, target: "../vfioctl.service"),
            .install(path: Self.udevRule, text: Self.udevRuleText(executable) + (try Self.ownershipRules(text)))
        ]
        var earlyChanged = false
        if let early, !early.isEmpty {
            steps += [
                .install(
                    path: EarlyBindingFiles.udevRule,
                    text: EarlyBindingFiles.udevRuleText(early, stateFile: Self.stateFile)),
                .install(
                    path: EarlyBindingFiles.initramfsToolsHook,
                    text: EarlyBindingFiles.initramfsToolsHookText(early, stateFile: Self.stateFile), mode: 0o755),
                .install(
                    path: EarlyBindingFiles.dracutConfig,
                    text: EarlyBindingFiles.dracutConfigText(early, stateFile: Self.stateFile))
            ]
            if let softdeps = EarlyBindingFiles.modprobeText(early) {
                steps.append(.install(path: EarlyBindingFiles.modprobeConfig, text: softdeps))
            } else if try exists(EarlyBindingFiles.modprobeConfig) {
                steps.append(.remove(path: EarlyBindingFiles.modprobeConfig))
            }
            earlyChanged = true
        } else {
            let stale = try installedEarlyFiles()
            steps += stale.map { .remove(path: $0) }
            earlyChanged = !stale.isEmpty
        }
        return steps + reloads + (earlyChanged ? rebuild(rebuildInitramfs) : [])
    }

    /// Removing what is installed (nothing when nothing is), then the reloads, and the initramfs
    /// rebuild when early-binding files were removed.
    public func disableSteps(rebuildInitramfs: Bool = false) throws(VFIOError) -> [Step] {
        var steps: [Step] = []
        for file in [Self.wantsLink, Self.unitFile, Self.udevRule, Self.stateFile] where try exists(file) {
            steps.append(.remove(path: file))
        }
        let early = try installedEarlyFiles()
        steps += early.map { .remove(path: $0) }
        return steps.isEmpty ? [] : steps + reloads + (early.isEmpty ? [] : rebuild(rebuildInitramfs))
    }

    /// The early-binding files present under the root.
    private func installedEarlyFiles() throws(VFIOError) -> [String] {
        var present: [String] = []
        for file in [
            EarlyBindingFiles.udevRule, EarlyBindingFiles.modprobeConfig,
            EarlyBindingFiles.initramfsToolsHook, EarlyBindingFiles.dracutConfig
        ] where try exists(file) {
            present.append(file)
        }
        return present
    }

    /// Runs only on the running system and when asked: an image is rebuilt by whoever boots it
    /// or builds it (its kernels are not this system's). Nothing when no initramfs tool is installed.
    private func rebuild(_ wanted: Bool) -> [Step] {
        guard let tool = InitramfsTool.installed(under: root) else { return [] }
        return [wanted && root.isRunningSystem ? .rebuildInitramfs(tool) : .showRebuild(tool)]
    }

    /// Reloads happen only on the running system, and only for a manager that runs: an image's
    /// files mean nothing to the host's systemd and udev.
    var reloads: [Step] {
        guard root.isRunningSystem else { return [] }
        return [HostReload.systemd, .udev].filter { access($0.runningMarker, F_OK) == 0 }.map { .reload($0) }
    }

    // MARK: acting

    /// What a dry run prints: one line per step, in order.
    public func describe(_ steps: [Step]) -> [String] {
        steps.map { step in
            switch step {
            case .install(let path, let text, _):
                // The generated command line, which is what a reader of a dry run wants to check.
                let marker = path == Self.unitFile ? "ExecStart=" : path == Self.udevRule ? "RUN+=" : nil
                let command = marker.flatMap { marker in text.split(separator: "\n").first { $0.contains(marker) } }
                if path == EarlyBindingFiles.udevRule || path == EarlyBindingFiles.modprobeConfig {
                    // Every rule or softdep line: each one is a device or driver the next boot treats differently.
                    let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
                    return (["would install \(path):"] + lines.map { "  " + $0 }).joined(separator: "\n")
                }
                let line = "would install \(path)" + (command.map { ": \($0)" } ?? "")
                // The owner rules too: each gives a device's nodes to someone.
                let owners =
                    path == Self.udevRule ? text.split(separator: "\n").filter { $0.hasPrefix("ACTION!=") } : []
                return ([line] + owners.map { "  " + $0 }).joined(separator: "\n")
            case .link(let path, let target): return "would enable vfioctl.service (\(path) -> \(target))"
            case .remove(let path): return "would remove \(path)"
            case .reload(let manager): return "would run \(manager.command.joined(separator: " "))"
            case .rebuildInitramfs(let tool): return "would run \(tool.rebuildCommand.joined(separator: " "))"
            case .showRebuild(let tool): return rebuildAdvice(tool)
            }
        }
    }

    /// Makes the changes; returns what was done, one line per step. A reload that fails is left
    /// out (the files are in place; the next boot reads them).
    public func perform(_ steps: [Step]) throws(VFIOError) -> [String] {
        var done: [String] = []
        for step in steps {
            switch step {
            case .install(let path, let text, let mode):
                try FileInstaller.write(root.path(of: path), text, mode: mode)
                done.append("installed \(path)")
            case .link(let path, let target):
                try FileInstaller.symlink(root.path(of: path), to: target)
                done.append("enabled vfioctl.service (\(path))")
            case .remove(let path):
                if try FileInstaller.remove(root.path(of: path)) { done.append("removed \(path)") }
            case .reload(let manager):
                guard root.isRunningSystem, ChildProcess.run(manager.command) == 0 else { continue }
                done.append(manager == .systemd ? "reloaded systemd" : "reloaded udev rules")
            case .rebuildInitramfs(let tool):
                guard root.isRunningSystem else { continue }
                let command = tool.rebuildCommand.joined(separator: " ")
                let status = ChildProcess.run(tool.rebuildCommand)
                guard status == 0 else {
                    throw VFIOError(
                        .failed, "\(command) failed (exit \(status)): the initramfs may not match the installed files",
                        hint: "the files are installed; fix what it reported and run it again")
                }
                done.append("rebuilt the initramfs (\(command))")
            case .showRebuild(let tool):
                done.append(rebuildAdvice(tool))
            }
        }
        return done
    }

    /// The line that says the initramfs was left as it is and how to rebuild it.
    private func rebuildAdvice(_ tool: InitramfsTool) -> String {
        let command = tool.rebuildCommand.joined(separator: " ")
        return root.isRunningSystem
            ? "the initramfs was not rebuilt: run \(command)"
            : "the initramfs of \(root.path) was not rebuilt: run \(command) in it (e.g. chroot \(root.path) \(command))"
    }

    // MARK: generated text

    static func unitText(_ executable: UnitExecutable) -> String {
        """
        # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
        [Unit]
        Description=Apply the desired PCI driver state (vfioctl)
        Documentation=man:vfioctl-apply(8) man:vfioctl-persist(8)
        DefaultDependencies=no
        # After udev's coldplug, so every PCI device exists and native drivers are loaded...
        After=systemd-udev-trigger.service systemd-udev-settle.service systemd-modules-load.service
        Wants=systemd-udev-trigger.service
        # ...and before anything configures networks or starts VMs on these devices.
        Before=sysinit.target network-pre.target libvirtd.service virtqemud.service shutdown.target
        Wants=network-pre.target
        Conflicts=shutdown.target
        ConditionPathExists=\(stateFile)

        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=\(executable.systemdWord) apply \(stateFile)

        [Install]
        WantedBy=sysinit.target

        """
    }

    static func udevRuleText(_ executable: UnitExecutable) -> String {
        """
        # Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`.
        # A PCI device that appears after boot (hot-plug, new SR-IOV VFs) gets the state the file
        # gives it; devices no entry selects cost one quick exit.
        ACTION=="add", SUBSYSTEM=="pci", TEST=="\(stateFile)", RUN+="\(executable.udevWord) apply \(stateFile) --device $kernel --lock-timeout 30"

        """
    }

    /// The rules that keep each entry's `owner`/`mode` on its nodes (users and groups resolved now:
    /// an unknown one is exit 2, as for `apply`).
    static func ownershipRules(_ stateText: String) throws(VFIOError) -> String {
        let state = try DesiredState.parse(stateText, file: stateFile)
        var devices: [NodeOwnershipRules.Device] = []
        var unaddressed: [(line: Int, selector: String)] = []
        for entry in state.entries {
            guard let owner = entry.owner else { continue }
            guard case .address(let address, _) = entry.selector else {
                unaddressed.append((entry.location.line, entry.selector.description))
                continue
            }
            do {
                let ownership = try AccountResolver.resolve(owner, mode: entry.mode)
                devices.append((address, ownership, entry.location.line))
            } catch {
                throw VFIOError.usage("\(entry.location): \(error.message)")
            }
        }
        return NodeOwnershipRules.text(devices, unaddressed: unaddressed)
    }

    // MARK: status

    public struct Status: Sendable {
        public var stateFile: Bool
        public var unit: Bool
        public var enabled: Bool
        public var udevRule: Bool
        /// nil when the installed file is valid (or absent); its status says why (2 invalid, 5 unreadable).
        public var stateFileError: VFIOError?
        public var isEnabled: Bool { stateFile && unit && enabled && udevRule }
    }

    /// Throws when whether a file is installed cannot be told (a directory that cannot be searched).
    public func status() throws(VFIOError) -> Status {
        var status = Status(
            stateFile: try exists(Self.stateFile), unit: try exists(Self.unitFile),
            enabled: try exists(Self.wantsLink), udevRule: try exists(Self.udevRule))
        if status.stateFile {
            do { _ = try DesiredState.load(root.path(of: Self.stateFile)) } catch { status.stateFileError = error }
        }
        return status
    }

    /// Whether the system's `absolute` is present under the root (a link counts, dangling or not).
    func exists(_ absolute: String) throws(VFIOError) -> Bool {
        var info = stat()
        let path = root.path(of: absolute)
        if lstat(path, &info) == 0 { return true }
        if errno == ENOENT || errno == ENOTDIR { return false }
        throw FileReadError(path, errno: errno).vfioError()
    }
}
