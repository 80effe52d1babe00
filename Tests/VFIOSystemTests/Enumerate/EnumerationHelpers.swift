import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Writes the tree to a temporary root and enumerates it the way `--sysfs-root` does.
func inventory(of tree: FakeSysfs) throws -> DeviceInventory {
    try tree.withRoot { root in
        try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
    }
}

func inventory(of scenario: FakeScenario) throws -> DeviceInventory {
    try TemporaryDirectory.with { root in
        try scenario.write(to: root)
        return try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
    }
}

/// The record at `address`, failing the test when it is missing.
func record(
    _ inventory: DeviceInventory, _ address: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> PCIDevice {
    try #require(inventory[Fake.address(address)], "no \(address) in the inventory", sourceLocation: sourceLocation)
}

func addresses(_ devices: [PCIDevice]) -> [String] { devices.map(\.address.description) }

func addresses(_ list: [PCIAddress]) -> [String] { list.map(\.description) }

/// Same addresses, then the same record for each, reporting at most a few differing devices (a whole
/// inventory in one failure message is unreadable).
func expectSameDevices(
    _ found: [PCIDevice], _ expected: [PCIDevice],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(addresses(found) == addresses(expected), sourceLocation: sourceLocation)
    var reported = 0
    for (actual, wanted) in zip(found, expected) where actual != wanted && reported < 5 {
        reported += 1
        #expect(actual == wanted, "\(wanted.address)", sourceLocation: sourceLocation)
    }
}
