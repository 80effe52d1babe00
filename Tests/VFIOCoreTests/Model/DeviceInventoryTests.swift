import TestSupport
import Testing
import VFIOCore

@Suite struct DeviceInventoryTests {
    let inventory = DeviceInventory(devices: FakeScenario.workstation.tree.expectedDevices.reversed(), warnings: ["w"])

    @Test func devicesAreSortedByAddress() {
        let sorted = inventory.devices.map(\.address)
        #expect(sorted == sorted.sorted())
        #expect(inventory.devices.first?.address == Fake.address("0000:00:00.0"))
        #expect(inventory.devices.last?.address == Fake.address("0000:0a:00.0"))
        #expect(inventory.warnings == ["w"])
    }

    @Test func lookupByAddress() {
        #expect(inventory[Fake.address("0000:05:00.0")]?.driver == DriverName("nvme"))
        #expect(inventory[Fake.address("0000:ff:00.0")] == nil)
    }

    @Test func groupsAreOrderedByNumberWithTheirMembers() {
        let groups = inventory.groups
        #expect(groups.map(\.group.number) == Array(0...20) + Array(40...51))
        let seven = groups.first { $0.group == IOMMUGroup(7) }
        #expect(seven.map { addresses($0.members) } == ["0000:03:00.0", "0000:04:01.0", "0000:04:02.0"])
        #expect(addresses(inventory.members(of: IOMMUGroup(8))).count == 4)
        #expect(inventory.members(of: IOMMUGroup(999)).isEmpty)
    }

    @Test func devicesWithoutAGroupAreLeftOutOfGroups() {
        var devices = FakeScenario.rootPort.tree.expectedDevices
        devices[2].iommuGroup = nil
        let inventory = DeviceInventory(devices: devices)
        #expect(inventory.groups.map(\.group.number) == [0, 9])
    }

    @Test func childrenOfTheRootBusAndOfABridge() {
        #expect(
            addresses(inventory.children(of: nil)) == [
                "0000:00:00.0", "0000:00:01.0", "0000:00:14.0", "0000:00:17.0", "0000:00:1b.0", "0000:00:1b.4",
                "0000:00:1c.0",
                "0000:00:1c.4", "0000:00:1c.6", "0000:00:1d.0", "0000:00:1d.4", "0000:00:1f.0", "0000:00:1f.3",
                "0000:00:1f.4",
                "0000:00:1f.5"
            ])
        #expect(addresses(inventory.children(of: Fake.address("0000:00:1c.4"))) == ["0000:03:00.0"])
        #expect(inventory.children(of: Fake.address("0000:09:00.0")).isEmpty)
    }

    @Test func duplicateAddressesKeepTheFirstForLookup() {
        let device = FakeScenario.rootPort.tree.expectedDevices[2]
        var twin = device
        twin.driver = nil
        let inventory = DeviceInventory(devices: [device, twin])
        #expect(inventory.devices.count == 2)
        #expect(inventory[device.address] != nil)
    }
}

private func addresses(_ devices: [PCIDevice]) -> [String] { devices.map(\.address.description) }

private func addresses(_ list: [PCIAddress]) -> [String] { list.map(\.description) }
