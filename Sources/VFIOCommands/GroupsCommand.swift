import ArgumentParser
import VFIOCore
import VFIOSystem

struct GroupsCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "List IOMMU groups, their members, and whether VFIO can use each group.",
        discussion: """
            A group is viable when every member is unbound or bound to vfio-pci, a VFIO variant driver, \
            pci-stub or pcieport; otherwise the members that block it are named.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var output: OutputOptions

    func run(_ context: CommandContext) throws {
        let terminal = context.terminal
        let inventory = try source.inventory(context, hostUse: .skip)
        let vfioDrivers = VFIODriverSet(sysfs: source.kernel(context))
        let viabilities = inventory.groups.map {
            GroupViability(group: $0.group, members: $0.members, vfioDrivers: vfioDrivers)
        }
        if output.json {
            terminal.out(JSONValue.document("groups", .array(viabilities.map(DeviceJSON.group))).rendered())
            return
        }
        if viabilities.isEmpty {
            terminal.warning(
                "no IOMMU groups: the IOMMU is off or not exposed (boot with intel_iommu=on or amd_iommu=on)")
            return
        }
        terminal.out(
            DeviceText(namer: DeviceNamer(numeric: output.numeric), vfioDrivers: vfioDrivers).groups(viabilities))
    }
}
