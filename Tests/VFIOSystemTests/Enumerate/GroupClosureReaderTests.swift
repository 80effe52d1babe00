import Foundation
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// `bind`/`unbind` of named devices read those devices and their IOMMU groups only.
@Suite struct GroupClosureReaderTests {
    private func closure(
        _ scenario: FakeScenario, _ addresses: [String],
        change: (String) -> Void = { _ in }
    ) throws -> (DeviceInventory?, DeviceInventory) {
        try TemporaryDirectory.with { root in
            try scenario.write(to: root)
            change(root)
            let sysfs = LiveSysfs(root: root)
            return (
                GroupClosureReader(sysfs: sysfs).inventory(of: addresses.map(Fake.address)),
                try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true).enumerate()
            )
        }
    }

    @Test func aGPUBringsItsAudioFunctionAndNothingElse() throws {
        let (read, full) = try closure(.gpuAudio, ["0000:01:00.0"]) { root in
            // A NUMA node the full read reports and the closure leaves out.
            try? "1\n".write(
                toFile: root + "/bus/pci/devices/0000:01:00.0/numa_node", atomically: false, encoding: .utf8)
        }
        let closure = try #require(read)
        #expect(addresses(closure.devices) == ["0000:01:00.0", "0000:01:00.1"])
        // The same records a full enumeration makes, but for the NUMA node and the upstream bridge,
        // which are not read.
        #expect(closure.devices.allSatisfy { $0.numaNode == nil && $0.parent == nil })
        #expect(full.devices.contains { $0.iommuGroup == IOMMUGroup(2) && $0.numaNode != nil })
        #expect(full.devices.contains { $0.iommuGroup == IOMMUGroup(2) && $0.parent != nil })
        expectSameDevices(
            closure.devices,
            full.devices.filter { $0.iommuGroup == IOMMUGroup(2) }.map { device in
                var device = device
                device.numaNode = nil
                device.parent = nil
                return device
            })
        #expect(closure.warnings.isEmpty)
    }

    /// `bind --driver` and `unbind` consult no rule, so they leave revisions and a VF's `physfn`
    /// unread (nil, not a made-up 0); a PF's SR-IOV state is read all the same.
    @Test func whatOnlyRulesLookAtIsLeftUnreadWhenAsked() throws {
        try TemporaryDirectory.with { root in
            try FakeScenario.sriovNIC.write(to: root)
            let sysfs = LiveSysfs(root: root)
            let pf = Fake.address("0000:02:00.0")
            let vf = try #require(
                try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true).enumerate()[pf]?.sriov.virtfns.first)
            let addresses = [pf, vf]
            let withRules = try #require(GroupClosureReader(sysfs: sysfs).inventory(of: addresses))
            let without = try #require(GroupClosureReader(sysfs: sysfs, consultsRules: false).inventory(of: addresses))
            #expect(withRules.devices.allSatisfy { $0.identity.revision != nil })
            #expect(without.devices.allSatisfy { $0.identity.revision == nil })
            #expect(without.devices.map(\.address) == withRules.devices.map(\.address))
            #expect(withRules[vf]?.sriov.physfn == pf)
            #expect(without[vf]?.sriov == SRIOVState())
            #expect(without[vf]?.unreadable == [])
            #expect(without[pf]?.sriov.totalVFs == 64)
            #expect(without[pf]?.sriov == withRules[pf]?.sriov)
        }
    }

    @Test func aMissingAddressIsAbsentAsInAFullEnumeration() throws {
        let (read, _) = try closure(.gpuAudio, ["0000:01:00.0", "0000:42:00.0"])
        #expect(try #require(read)[Fake.address("0000:42:00.0")] == nil)
        #expect(read?.devices.count == 2)
    }

    /// A device is opened through its `bus/pci/devices` link beneath the root: a crafted tree's link
    /// that leads outside is refused by the kernel, and the valid device just outside is not read.
    @Test func aBusLinkLeavingTheRootIsNotFollowed() throws {
        try TemporaryDirectory.with { base in
            let root = try FakeSysfs.writeLinkOutsideRootWithADeviceOutside(in: base)
            let addresses = ["0000:00:04.0", "0000:00:05.0", "0000:00:02.0"].map(Fake.address)
            let read = try #require(GroupClosureReader(sysfs: LiveSysfs(root: root)).inventory(of: addresses))
            #expect(read.devices.map(\.address.description) == ["0000:00:02.0"])
            #expect(read.warnings.count == 2, "\(read.warnings)")
            #expect(
                read.warnings.contains {
                    $0.hasPrefix("skipping 0000:00:04.0: ") && $0.hasSuffix("leads outside the sysfs root")
                })
            #expect(
                read.warnings.contains {
                    $0.hasPrefix("skipping 0000:00:05.0: ") && $0.hasSuffix("leads outside the sysfs root")
                })
            // Links inside the device are named, never followed: an absolute target names nothing.
            let vga = try #require(read[Fake.address("0000:00:02.0")])
            #expect(vga.driver == nil)
            #expect(vga.unreadable == ["driver"])
            #expect(vga.iommuGroup == IOMMUGroup(21))
        }
    }

    /// A device next to the last one opened by its bus link is opened from their parent directory.
    /// A real tree always has the link; taking it away here shows where the directory came from.
    @Test func aSiblingIsOpenedFromTheDirectoryItShares() throws {
        try TemporaryDirectory.with { root in
            try FakeScenario.sriovNIC.write(to: root)
            let full = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
            let vfs = try #require(full[Fake.address("0000:02:00.0")]?.sriov.virtfns.prefix(3))
            try FileManager.default.removeItem(atPath: root + "/bus/pci/devices/\(vfs[vfs.startIndex + 1])")
            let read = try #require(GroupClosureReader(sysfs: LiveSysfs(root: root)).inventory(of: Array(vfs)))
            #expect(read.devices.map(\.address) == Array(vfs))
            #expect(read.warnings.isEmpty)
        }
    }

    /// Devices named in any order, in different directories, come out as the full enumeration has
    /// them: a device not next to the last one is opened by its own link.
    @Test func devicesFromDirectoriesAllOverAreEachReadRight() throws {
        try TemporaryDirectory.with { root in
            try FakeScenario.workstation.write(to: root)
            let sysfs = LiveSysfs(root: root)
            let full = try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true).enumerate()
            // Alternate the two halves of the address list: neighbours are rarely siblings.
            let all = full.devices.map(\.address)
            let half = all.count / 2
            let mixed = (0..<half).flatMap { [all[$0], all[half + $0]] } + all[(2 * half)...]
            let read = try #require(GroupClosureReader(sysfs: sysfs).inventory(of: mixed))
            #expect(read.warnings.isEmpty, "\(read.warnings)")
            expectSameDevices(
                read.devices.sorted { $0.address < $1.address },
                full.devices.map { device in
                    var device = device
                    device.numaNode = nil
                    device.parent = nil
                    return device
                })
        }
    }

    /// A crafted link can name the root itself, whose parent is outside the tree: a device there,
    /// next to the root, is not opened as its sibling.
    @Test func theRootsParentIsNeverSearchedForSiblings() throws {
        try TemporaryDirectory.with { base in
            let root = try FakeSysfs.writeLinkOutsideRootWithADeviceOutside(in: base)
            try FileManager.default.moveItem(
                atPath: base + "/outside/devices/pci0000:00/0000:00:04.0", toPath: base + "/0000:00:04.0")
            try FileManager.default.createSymbolicLink(
                atPath: root + "/bus/pci/devices/0000:00:06.0", withDestinationPath: "../../..")
            let addresses = ["0000:00:06.0", "0000:00:04.0"].map(Fake.address)
            let read = try #require(GroupClosureReader(sysfs: LiveSysfs(root: root)).inventory(of: addresses))
            #expect(read.devices.isEmpty)
            #expect(read.warnings.count == 2, "\(read.warnings)")
        }
    }

    /// The live listing of a group's members (from a held `kernel/iommu_groups`, names parsed as
    /// bytes) answers what listing the directory does: addresses only, in the same order.
    @Test func aGroupsMembersAreItsAddressEntries() throws {
        try TemporaryDirectory.with { root in
            try FakeScenario.workstation.write(to: root)
            let sysfs = LiveSysfs(root: root)
            let group = IOMMUGroup(2)
            try "".write(toFile: root + "/kernel/iommu_groups/2/devices/README", atomically: false, encoding: .utf8)
            let listed = try sysfs.list("kernel/iommu_groups/2/devices").compactMap { PCIAddress($0.name) }
            #expect(try sysfs.iommuGroupMembers(group) == listed)
            #expect(addresses(try sysfs.iommuGroupMembers(group)).sorted() == ["0000:01:00.0", "0000:01:00.1"])
            #expect(throws: SysfsError.self) { try sysfs.iommuGroupMembers(IOMMUGroup(4242)) }
        }
    }

    /// Without a readable member list the group cannot be judged: the caller reads everything.
    @Test func anUnreadableGroupListMeansReadEverything() throws {
        let (read, _) = try closure(.gpuAudio, ["0000:01:00.0"]) { root in
            TemporaryDirectory.removeTree(root + "/kernel/iommu_groups/2/devices")
        }
        #expect(read == nil)
    }
}
