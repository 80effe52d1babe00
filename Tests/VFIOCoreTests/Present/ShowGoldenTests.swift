import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// `show` as the command prints it: the device, its group, then the driver decision (text), or one
/// JSON document with the group's detail and the plan; each also without a decision (the planner's
/// inputs could not be read).
@Suite struct ShowGoldenTests {
    typealias S = KernelSimulator.Standard

    let engine = EngineFixture()

    private func inputs(_ address: PCIAddress) throws -> (PCIDevice, DeviceInventory, GroupViability?, DevicePlan) {
        let inventory = try engine.sim.inventory()
        let device = try #require(inventory[address])
        let drivers = VFIODriverSet(sysfs: engine.sim)
        let group = device.iommuGroup.map {
            GroupViability(group: $0, members: inventory.members(of: $0), vfioDrivers: drivers)
        }
        return (device, inventory, group, try engine.planner().plan(device))
    }

    private func normalised(_ text: String) -> String { text.replacing(engine.tree.path, with: "$TMP") }

    @Test func text() throws {
        let (device, inventory, _, plan) = try inputs(S.e1000e)
        let text = DeviceText(namer: DeviceNamer(numeric: true), vfioDrivers: VFIODriverSet(sysfs: engine.sim))
        Golden.check(normalised(text.show(device, inventory: inventory, plan: plan)), "show.txt")
        Golden.check(text.show(device, inventory: inventory, plan: nil), "show-without-plan.txt")
    }

    @Test func json() throws {
        let (device, _, group, plan) = try inputs(S.rtl8139)
        let namer = DeviceNamer(numeric: true)
        Golden.check(
            normalised(DeviceJSON.show(device, namer: namer, group: group, plan: plan).rendered()), "show.json")
        Golden.check(
            DeviceJSON.show(device, namer: namer, group: nil, plan: nil).rendered(), "show-without-group-or-plan.json")
    }
}
