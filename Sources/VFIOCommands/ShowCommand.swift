import ArgumentParser
import VFIOCore
import VFIOSystem

struct ShowCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show everything known about one device, including its IOMMU group's members and their drivers.")

    @OptionGroup var source: SourceOptions

    @OptionGroup var target: OneDeviceArgument

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var output: OutputOptions

    func run(_ context: CommandContext) throws {
        let terminal = context.terminal
        let address = try source.singleAddress(context, target.device, command: "show")
        // The device and its IOMMU group's members, read as `list` reads them.
        let inventory = try source.inventory(
            context, showing: [.address(address)], groupMembers: true, hostUse: .scan)
        guard let record = inventory[address] else {
            throw VFIOError.notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
        }
        let namer = DeviceNamer(numeric: output.numeric)
        let kernel = source.kernel(context)
        let vfioDrivers = VFIODriverSet(sysfs: kernel)
        let nodes =
            record.driver.map(vfioDrivers.isVFIO) == true
            ? VFIONodeReader(kernel: kernel).present(address, group: record.iommuGroup) : VFIONodes()
        // Who may open them (`bind --owner`), as `status` shows it.
        let owners = NodeOwnershipStep(kernel: kernel, nodes: context.deviceNodes(source.source(context)))
            .attributes(of: nodes, address: address)
        let power = DevicePowerReader(sysfs: kernel).read(address)
        // The driver decision, as `plan` makes it; `show` still works when it cannot be made.
        let plan: DevicePlan?
        do {
            plan = try planning.planner(context, source: source, scope: .devices([record.modalias])).plan(record)
        } catch {
            terminal.warning("no driver decision: \(error.message)")
            plan = nil
        }
        if output.json {
            let group = record.iommuGroup.map {
                GroupViability(group: $0, members: inventory.members(of: $0), vfioDrivers: vfioDrivers)
            }
            terminal.out(
                DeviceJSON.show(
                    record, namer: namer, group: group, plan: plan, nodes: nodes, owners: owners, power: power
                ).rendered())
            return
        }
        terminal.out(
            DeviceText(namer: namer, vfioDrivers: vfioDrivers).show(
                record, inventory: inventory, plan: plan,
                nodes: nodes, owners: owners, power: power))
    }
}
