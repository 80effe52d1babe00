import ArgumentParser
import VFIOCore
import VFIOSystem

package struct VFIOCtl: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "vfioctl",
        abstract: "Choose, bind and restore drivers for PCI devices handed to VFIO.",
        discussion: ExitStatus.summary + """

            Environment: VFIOCTL_SYSFS_ROOT, VFIOCTL_STATE_DIR and VFIOCTL_MODULES_DIR set the defaults \
            of --sysfs-root, --state-dir and --modules-dir.
            An empty or blank value of any option, argument or VFIOCTL_* variable is a usage error (2).

            Limits: rule files, state files, modules.* and modprobe.d files must be regular files of at \
            most \(TextFile.sizeLimit >> 20) MiB (a FIFO, a device or a larger file is refused with status 2); \
            TOML nests at most \(TOMLParser.nestingLimit) levels; a sysfs attribute is read up to \
            \(LiveSysfs.attributeLimit >> 10) KiB. The state directory and its files are used only when owned \
            by root (or the user running vfioctl) and not writable by group or others, with no symbolic link \
            on the way (status 5 otherwise; docs/state-directory.md).
            """,
        version: "0.1.0",
        subcommands: [
            ListCommand.self, ShowCommand.self, GroupsCommand.self, PlanCommand.self,
            BindCommand.self, UnbindCommand.self, StatusCommand.self, RecoverCommand.self,
            SriovCommand.self, ResetCommand.self, OverrideCommand.self, NewIDCommand.self, RemoveIDCommand.self,
            ApplyCommand.self, DiffCommand.self, PersistCommand.self
        ]
    )

    package init() {}
}
