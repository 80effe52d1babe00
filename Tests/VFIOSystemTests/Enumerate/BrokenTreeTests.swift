import Glibc
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Broken and hostile trees: enumeration warns, marks what it could not read, never follows a link out
/// of the root, and never crashes.
@Suite struct BrokenTreeTests {
    /// The functions of `FakeScenario.rootPort`, present in every broken scenario.
    let healthy = ["0000:00:00.0", "0000:00:1c.6", "0000:09:00.0"]

    @Test func danglingDeviceLinkIsSkippedWithAWarning() throws {
        let found = try inventory(of: .danglingLink)
        #expect(addresses(found.devices) == healthy)
        #expect(found.warnings.count == 1)
        let warning = try #require(found.warnings.first)
        #expect(warning.hasPrefix("skipping 0000:00:03.0: cannot open "))
        #expect(warning.contains("devices/pci0000:00/0000:00:03.0"))
        #expect(warning.contains("ENOENT"))
    }

    /// A complete, valid device directory sits just outside the root; the links to it must not be
    /// followed, or it would show up in the inventory.
    @Test func linksOutOfTheRootAreNotFollowed() throws {
        try TemporaryDirectory.with { base in
            let root = try FakeSysfs.writeLinkOutsideRootWithADeviceOutside(in: base)
            // The escaping link really does reach the outside device when the OS follows it.
            var info = stat()
            #expect(stat(root + "/bus/pci/devices/0000:00:04.0/vendor", &info) == 0)

            let found = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
            #expect(addresses(found.devices) == ["0000:00:00.0", "0000:00:02.0", "0000:00:1c.6", "0000:09:00.0"])
            #expect(found[Fake.address("0000:00:04.0")] == nil)
            #expect(found[Fake.address("0000:00:05.0")] == nil)
            #expect(found.warnings.count == 2)
            #expect(
                found.warnings.contains {
                    $0.hasPrefix("skipping 0000:00:04.0:") && $0.contains("points outside the sysfs root")
                })
            #expect(
                found.warnings.contains {
                    $0.hasPrefix("skipping 0000:00:05.0:") && $0.contains("(/sys/devices/pci0000:00/0000:00:00.0)")
                })

            // Links inside a device directory that leave the root are reported unreadable, not followed.
            let vga = try record(found, "0000:00:02.0")
            #expect(vga.driver == nil)
            #expect(vga.iommuGroup == nil)
            #expect(vga.unreadable == ["driver", "iommu_group"])
            #expect(vga.identity.device == DeviceID(0x3E92))
            #expect(!vga.bootVGA)
        }
    }

    @Test func unreadableAndGarbageAttributesAreMarkedNotGuessed() throws {
        let found = try inventory(of: .unreadableAttribute)
        #expect(addresses(found.devices) == ["0000:00:00.0", "0000:00:16.0", "0000:00:1c.6", "0000:09:00.0"])
        let mei = try record(found, "0000:00:16.0")
        #expect(mei.numaNode == nil)
        #expect(mei.driverOverride == nil)
        #expect(mei.identity.subsystemVendor == VendorID(0))
        #expect(mei.identity.subsystemDevice == DeviceID(0x8694))
        #expect(Set(mei.unreadable) == ["subsystem_vendor", "driver_override", "numa_node"])
        #expect(mei.unreadable.count == 3)
        // What could be read still is.
        #expect(mei.driver == DriverName("mei_me"))
        #expect(mei.iommuGroup == IOMMUGroup(22))
        #expect(mei.identity.vendor == VendorID(0x8086))
        #expect(mei.identity.revision == Revision(0x30))

        // Without a readable vendor there is no device to report, only a warning.
        #expect(found[Fake.address("0000:00:08.0")] == nil)
        #expect(found.warnings.count == 1)
        let warning = try #require(found.warnings.first)
        #expect(warning.hasPrefix("skipping 0000:00:08.0: cannot read its vendor, device or class"))
    }

    @Test func nonAddressEntriesAreIgnoredWithWarnings() throws {
        let found = try inventory(of: .nonAddressEntry)
        #expect(addresses(found.devices) == healthy)
        #expect(found.warnings.count == 2)
        #expect(
            found.warnings.contains {
                $0.hasPrefix("ignoring ") && $0.hasSuffix("/bus/pci/devices/README: not a PCI address")
            })
        #expect(found.warnings.contains { $0.hasSuffix("/bus/pci/devices/00:1c.6: not a PCI address") })
    }

    @Test func everythingBrokenAtOnce() throws {
        let found = try inventory(of: .broken)
        #expect(
            addresses(found.devices) == ["0000:00:00.0", "0000:00:02.0", "0000:00:16.0", "0000:00:1c.6", "0000:09:00.0"]
        )
        // dangling 03.0, outside 04.0 and 05.0, unreadable vendor 08.0, README, 00:1c.6
        #expect(found.warnings.count == 6)
        #expect(try record(found, "0000:09:00.0") == FakeScenario.rootPort.tree.expectedDevices.last)
    }

    @Test(arguments: [true, false])
    func aDirectoryThatIsNotSysfsIsAnError(_ userGiven: Bool) throws {
        try TemporaryDirectory.with { root in
            try FakeScenario.notSysfs.write(to: root)
            let error = #expect(throws: VFIOError.self) {
                try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: userGiven).enumerate()
            }
            #expect(error?.status == (userGiven ? .usage : .notFound))
            #expect(error?.message.hasPrefix("\(root) is not a sysfs tree") == true)
            #expect(error?.message.contains("ENOTDIR") == true)
            #expect(error?.hint?.contains("bus/pci/devices") == true)
        }
    }

    @Test func aMissingRootIsAnError() throws {
        let error = #expect(throws: VFIOError.self) {
            try SysfsWalkEnumerator(sysfs: LiveSysfs(root: "/nonexistent/vfioctl-test-root"), userGivenRoot: true)
                .enumerate()
        }
        #expect(error?.status == .usage)
        #expect(error?.message.contains("ENOENT") == true)
    }

    @Test func anEmptyBusIsAnEmptyInventory() throws {
        let found = try inventory(of: FakeSysfs())
        #expect(found.devices.isEmpty)
        #expect(found.warnings.isEmpty)
    }

    @Test(arguments: ["class", "vendor", "device"])
    func garbageInAnIdentityAttributeSkipsTheDevice(_ attribute: String) throws {
        let nic = Fake.address("0000:09:00.0")
        let found = try inventory(
            of: FakeScenario.rootPort.tree
                .adding(.attributeContents(nic, attribute: attribute, contents: "banana\n")))
        #expect(found[nic] == nil)
        #expect(found.warnings.count == 1)
        #expect(found.warnings.first?.hasPrefix("skipping 0000:09:00.0: cannot read") == true)
    }

    @Test(arguments: ["vendor", "class"])
    func missingIdentityAttributeSkipsTheDevice(_ attribute: String) throws {
        let nic = Fake.address("0000:09:00.0")
        let found = try inventory(of: FakeScenario.rootPort.tree.adding(.missingAttribute(nic, attribute: attribute)))
        #expect(found[nic] == nil)
        #expect(found.warnings.count == 1)
    }

    @Test(arguments: [
        ("revision", "0x1ff\n"), ("sriov_numvfs", "many\n"), ("sriov_totalvfs", "\n"), ("numa_node", "one\n"),
        ("modalias", "usb:v1234\n"), ("driver_override", "a/b\n"), ("subsystem_device", "0x12345\n")
    ])
    func garbageInOtherAttributesIsMarkedUnreadable(_ attribute: String, _ contents: String) throws {
        let pf = Fake.address("0000:09:00.0")
        let tree = FakeScenario.rootPort.tree
            .updating(pf) { $0.sriov(totalVFs: 8, vfDevice: DeviceID(0x10CA)) }
            .adding(.attributeContents(pf, attribute: attribute, contents: contents))
        let found = try inventory(of: tree)
        let record = try #require(found[pf])
        #expect(record.unreadable == [attribute])
        #expect(found.warnings.isEmpty)
        // The modalias falls back to the one computed from the identity.
        #expect(record.modalias.rawValue.hasPrefix("pci:v00008086d000010D3"))
    }

    @Test func removedOptionalAttributesAreAbsentNotUnreadable() throws {
        let nic = Fake.address("0000:09:00.0")
        var tree = FakeScenario.rootPort.tree
        for attribute in [
            "numa_node", "driver_override", "revision", "subsystem_vendor", "modalias", "driver", "iommu_group"
        ] {
            tree.add(.missingAttribute(nic, attribute: attribute))
        }
        let record = try #require(try inventory(of: tree)[nic])
        #expect(record.unreadable == [])
        #expect(record.driver == nil && record.iommuGroup == nil && record.numaNode == nil)
        #expect(record.identity.revision == Revision(0))
        #expect(record.identity.subsystemVendor == VendorID(0))
    }

    @Test func linksThatAreNotLinksAreUnreadable() throws {
        let nic = Fake.address("0000:09:00.0")
        let tree = FakeScenario.rootPort.tree
            .adding(.unreadableAttribute(nic, attribute: "driver"))
            .adding(.unreadableAttribute(nic, attribute: "iommu_group"))
        let record = try #require(try inventory(of: tree)[nic])
        #expect(record.driver == nil && record.iommuGroup == nil)
        #expect(record.unreadable == ["driver", "iommu_group"])
    }

    @Test func virtfnLinkLeavingTheRootIsDroppedAndMarked() throws {
        let pf = Fake.address("0000:09:00.0")
        let tree = FakeScenario.rootPort.tree
            .updating(pf) { $0.sriov(totalVFs: 8, vfDevice: DeviceID(0x10CA)) }
            .addingVirtualFunctions(of: pf, count: 4) { i, vf in vf.group(30 + i) }
            .adding(.deviceDirectoryLink(pf, name: "virtfn1", target: "../../../../../0000:09:10.2"))
        let found = try inventory(of: tree)
        let record = try #require(found[pf])
        #expect(addresses(record.sriov.virtfns) == ["0000:09:10.0", "0000:09:10.4", "0000:09:10.6"])
        #expect(record.unreadable == ["virtfn1"])
        // The VF itself is still enumerated through bus/pci/devices.
        #expect(found[Fake.address("0000:09:10.2")]?.sriov.physfn == pf)
    }

    @Test func aLinkLoopIsSkippedNotFollowedForever() throws {
        let tree = FakeScenario.rootPort.tree
            .adding(.deviceLink(name: "0000:00:07.0", target: "0000:00:07.0"))
            .adding(.deviceLink(name: "0000:00:07.1", target: "../../../devices/pci0000:00/loop/0000:00:07.1"))
        let found = try tree.withRoot { root in
            #expect(symlink("loop", root + "/devices/pci0000:00/loop") == 0)
            return try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
        }
        #expect(addresses(found.devices) == healthy)
        #expect(found.warnings.count == 2)
        #expect(found.warnings.allSatisfy { $0.contains("ELOOP") })
    }

    @Test func aRegularFileNamedLikeADeviceIsReported() throws {
        let tree = FakeScenario.rootPort.tree.adding(.nonAddressEntry(name: "0000:00:07.0"))
        let found = try inventory(of: tree)
        #expect(addresses(found.devices) == healthy)
        #expect(found.warnings.count == 1)
        let warning = try #require(found.warnings.first)
        #expect(warning.hasPrefix("skipping 0000:00:07.0: /"))
        #expect(warning.hasSuffix("/bus/pci/devices/0000:00:07.0 is neither a link nor a directory"))
    }

    @Test func aDeviceDirectoryInsteadOfALinkIsRead() throws {
        // Some container runtimes copy sysfs flat: bus/pci/devices/ADDR is then a directory.
        try FakeScenario.rootPort.tree.withRoot { root in
            let from = root + "/devices/pci0000:00/0000:00:1c.6/0000:09:00.0"
            let to = root + "/bus/pci/devices/0000:09:00.0"
            #expect(unlink(to) == 0)
            #expect(rename(from, to) == 0)
            let found = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
            let nic = try record(found, "0000:09:00.0")
            #expect(nic.parent == nil)
            #expect(nic.identity.device == DeviceID(0x10D3))
            #expect(nic.unreadable == [])
        }
    }
}
