import ArgumentParser
import VFIOCore

struct VFIOCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vfioctl",
        abstract: "Choose, bind and restore drivers for PCI devices handed to VFIO.",
        discussion: ExitStatus.summary + """

            Environment: VFIOCTL_SYSFS_ROOT, VFIOCTL_STATE_DIR and VFIOCTL_MODULES_DIR set the defaults \
            of --sysfs-root, --state-dir and --modules-dir.
            An empty or blank value of any option, argument or VFIOCTL_* variable is a usage error (2).
            """,
        version: "0.1.0",
        subcommands: [
            ListCommand.self, ShowCommand.self, GroupsCommand.self, PlanCommand.self,
            BindCommand.self, UnbindCommand.self, StatusCommand.self, RecoverCommand.self,
            SriovCommand.self, OverrideCommand.self, NewIDCommand.self, RemoveIDCommand.self,
            ApplyCommand.self, DiffCommand.self, PersistCommand.self,
        ]
    )
}
