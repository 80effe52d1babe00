import Foundation
import TestSupport
import Testing
import VFIOCore

/// `bind`/`unbind` of named devices read those devices and their IOMMU groups only.
@Suite struct GroupClosureReaderTests {
    private func closure(_ scenario: FakeScenario, _ addresses: [String],
                         change: (String) -> Void = { _ in }) throws -> (DeviceInventory?, DeviceInventory) {
        try TemporaryDirectory.with { root in
            try scenario.write(to: root)
            change(root)
            let sysfs = LiveSysfs(root: root)
            return (GroupClosureReader(sysfs: sysfs).inventory(of: addresses.map(Fake.address)),
                    try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true).enumerate())
        }
    }

    @Test func aGPUBringsItsAudioFunctionAndNothingElse() throws {
        let (read, full) = try closure(.gpuAudio, ["0000:01:00.0"]) { root in
            // A NUMA node the full read reports and the closure leaves out.
            try? "1\n".write(toFile: root + "/bus/pci/devices/0000:01:00.0/numa_node", atomically: false, encoding: .utf8)
        }
        let closure = try #require(read)
        #expect(addresses(closure.devices) == ["0000:01:00.0", "0000:01:00.1"])
        // The same records a full enumeration makes, but for the NUMA node, which is not read.
        #expect(closure.devices.allSatisfy { $0.numaNode == nil })
        #expect(full.devices.contains { $0.iommuGroup == IOMMUGroup(2) && $0.numaNode != nil })
        expectSameDevices(closure.devices, full.devices.filter { $0.iommuGroup == IOMMUGroup(2) }.map { device in
            var device = device
            device.numaNode = nil
            return device
        })
        #expect(closure.warnings.isEmpty)
    }

    /// `bind --driver` consults no rule, so it leaves revisions unread (nil, not a made-up 0).
    @Test func revisionsAreLeftUnreadWhenAsked() throws {
        try TemporaryDirectory.with { root in
            try FakeScenario.gpuAudio.write(to: root)
            let sysfs = LiveSysfs(root: root)
            let addresses = [Fake.address("0000:01:00.0")]
            let withRevisions = try #require(GroupClosureReader(sysfs: sysfs).inventory(of: addresses))
            let without = try #require(GroupClosureReader(sysfs: sysfs, readsRevision: false).inventory(of: addresses))
            #expect(withRevisions.devices.allSatisfy { $0.identity.revision != nil })
            #expect(without.devices.allSatisfy { $0.identity.revision == nil })
            #expect(without.devices.map(\.address) == withRevisions.devices.map(\.address))
        }
    }

    @Test func aMissingAddressIsAbsentAsInAFullEnumeration() throws {
        let (read, _) = try closure(.gpuAudio, ["0000:01:00.0", "0000:42:00.0"])
        #expect(try #require(read)[Fake.address("0000:42:00.0")] == nil)
        #expect(read?.devices.count == 2)
    }

    /// Without a readable member list the group cannot be judged: the caller reads everything.
    @Test func anUnreadableGroupListMeansReadEverything() throws {
        let (read, _) = try closure(.gpuAudio, ["0000:01:00.0"]) { root in
            TemporaryDirectory.removeTree(root + "/kernel/iommu_groups/2/devices")
        }
        #expect(read == nil)
    }
}
