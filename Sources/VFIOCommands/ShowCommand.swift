import ArgumentParser
import VFIOCore
import VFIOSystem

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show everything known about one device, including its IOMMU group's members and their drivers.")

    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("The device: a PCI address (0000:01:00.0 or 01:00.0).", valueName: "device"),
              completion: .custom { _, _, _ in LiveCompletion.addresses() }, transform: BlankValue.refused)
    var device: String

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let address = try singleAddress(device)
        let inventory = try source.inventory()
        guard let record = inventory[address] else {
            throw VFIOError.notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
        }
        let namer = DeviceNamer(numeric: output.numeric)
        let vfioDrivers = VFIODriverSet(sysfs: source.source.sysfs)
        // The driver decision, as `plan` makes it; `show` still works when it cannot be made.
        let plan: DevicePlan?
        do {
            plan = try planning.planner(sysfs: source.source.sysfs, scope: .devices([record.modalias])).plan(record)
        } catch {
            Terminal.warning("no driver decision: \(error.message)")
            plan = nil
        }
        if output.json {
            var fields: [(String, JSONValue)] = []
            if case .object(let deviceFields) = DeviceJSON.device(record, namer: namer) { fields = deviceFields }
            let group = record.iommuGroup.map {
                GroupViability(group: $0, members: inventory.members(of: $0), vfioDrivers: vfioDrivers)
            }
            fields.append(("iommu_group_detail", group.map(DeviceJSON.group) ?? .null))
            fields.append(("plan", plan.map(PlanJSON.plan) ?? .null))
            Terminal.out(JSONValue.document("device", .object(fields)).rendered())
            return
        }
        var text = DeviceText(namer: namer, vfioDrivers: vfioDrivers).show(record, inventory: inventory)
        if let plan { text += "VFIO driver decision:\n" + PlanText(namer: namer).explain(plan) }
        Terminal.out(text)
    }
}
