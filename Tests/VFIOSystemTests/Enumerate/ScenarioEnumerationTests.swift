import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Each healthy scenario through SysfsWalkEnumerator, every field checked: first against the builder's
/// model of the tree as a whole, then against literal values written out here, so a mistake shared by
/// the fixture and the reader still shows.
@Suite struct ScenarioEnumerationTests {
    @Test(arguments: FakeScenario.allCases.filter(\.isHealthy))
    func healthyScenarioReadsBackExactly(_ scenario: FakeScenario) throws {
        let tree = scenario.tree
        let found = try inventory(of: scenario)
        #expect(found.warnings == [])
        expectSameDevices(found.devices, tree.expectedDevices)
    }

    @Test func workstationHasEveryFunction() throws {
        let found = try inventory(of: .workstation)
        #expect(found.devices.count == 39)
        #expect(found.warnings.isEmpty)
        #expect(found.groups.count == 21 + 12)
    }

    @Test func gpuAndItsAudioShareSlotAndGroup() throws {
        let found = try inventory(of: .gpuAudio)
        let gpu = try record(found, "0000:01:00.0")
        #expect(
            gpu.identity
                == PCIIdentity(
                    vendor: VendorID(0x10DE), device: DeviceID(0x1B80),
                    subsystemVendor: VendorID(0x1458), subsystemDevice: DeviceID(0x3702),
                    classCode: FakeClass.vga, revision: Revision(0xA1)))
        #expect(gpu.modalias.rawValue == "pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00")
        #expect(gpu.driver == DriverName("nouveau"))
        #expect(gpu.driverOverride == nil)
        #expect(gpu.iommuGroup == IOMMUGroup(2))
        #expect(gpu.numaNode == nil)
        #expect(gpu.bootVGA)
        #expect(gpu.parent == Fake.address("0000:00:01.0"))
        #expect(gpu.sriov == SRIOVState())
        #expect(gpu.hostUse == HostUse(displayNodes: ["card0", "fb0", "renderD128"]))
        #expect(gpu.unreadable.isEmpty)

        let audio = try record(found, "0000:01:00.1")
        #expect(audio.identity.classCode == FakeClass.hdAudio)
        #expect(audio.driver == DriverName("snd_hda_intel"))
        #expect(audio.iommuGroup == IOMMUGroup(2))
        #expect(!audio.bootVGA)
        #expect(audio.address.slot == gpu.address.slot)
        #expect(audio.hostUse.isEmpty)
        #expect(addresses(found.members(of: IOMMUGroup(2))) == ["0000:01:00.0", "0000:01:00.1"])

        let port = try record(found, "0000:00:01.0")
        #expect(port.isBridge)
        #expect(port.driver == DriverName.pcieport)
        #expect(port.parent == nil)
        #expect(port.iommuGroup == IOMMUGroup(1))
        #expect(port.hostUse.isEmpty)
        #expect(addresses(found.children(of: port.address)) == ["0000:01:00.0", "0000:01:00.1"])

        let host = try record(found, "0000:00:00.0")
        #expect(host.driver == nil && host.parent == nil && !host.isBridge)
    }

    @Test func sriovPFListsVFsInNumericOrder() throws {
        let found = try inventory(of: .sriovNIC)
        let pf = try record(found, "0000:02:00.0")
        let expectedVFs = [
            "0000:02:02.0", "0000:02:02.1", "0000:02:02.2", "0000:02:02.3", "0000:02:02.4", "0000:02:02.5",
            "0000:02:02.6", "0000:02:02.7", "0000:02:03.0", "0000:02:03.1", "0000:02:03.2", "0000:02:03.3"
        ]
        #expect(addresses(pf.sriov.virtfns) == expectedVFs)
        #expect(pf.sriov.virtfns[2] == Fake.address("0000:02:02.2"))
        #expect(pf.sriov.virtfns[10] == Fake.address("0000:02:03.2"))  // virtfn10 comes after virtfn2
        #expect(pf.sriov.numVFs == 12)
        #expect(pf.sriov.totalVFs == 64)
        #expect(pf.sriov.driversAutoprobe == true)
        #expect(pf.sriov.physfn == nil)
        #expect(pf.sriov.isPhysicalFunction && !pf.isVirtualFunction)
        #expect(pf.driver == DriverName("i40e"))
        #expect(pf.iommuGroup == IOMMUGroup(4))
        #expect(pf.parent == Fake.address("0000:00:1c.0"))
        #expect(pf.hostUse == HostUse(networkInterfaces: [HostUse.NetworkInterface(name: "enp2s0f0", operstate: "up")]))

        let second = try record(found, "0000:02:00.1")
        #expect(second.sriov == SRIOVState(virtfns: [], numVFs: 0, totalVFs: 64, driversAutoprobe: true))
        #expect(second.iommuGroup == IOMMUGroup(5))
        #expect(second.hostUse.networkInterfaces == [HostUse.NetworkInterface(name: "enp2s0f1", operstate: "down")])

        let first = try record(found, "0000:02:02.0")
        #expect(first.isVirtualFunction)
        #expect(first.sriov == SRIOVState(physfn: pf.address))
        #expect(first.identity.device == DeviceID(0x154C))
        #expect(first.identity.vendor == VendorID(0x8086))
        #expect(first.identity.subsystemDevice == DeviceID(0x0007))
        #expect(first.driver == DriverName("iavf"))
        #expect(first.iommuGroup == IOMMUGroup(40))
        #expect(first.parent == Fake.address("0000:00:1c.0"))
        #expect(first.hostUse.networkInterfaces == [HostUse.NetworkInterface(name: "enp2s0f0v0", operstate: "up")])

        let unbound = try record(found, "0000:02:03.2")
        #expect(unbound.driver == nil)
        #expect(unbound.iommuGroup == IOMMUGroup(50))
        #expect(unbound.sriov.physfn == pf.address)
        #expect(try record(found, "0000:02:02.4").driver == DriverName.vfioPCI)

        // Every VF in a group of its own, none shared with the PF.
        for vf in pf.sriov.virtfns {
            let group = try #require(found[vf]?.iommuGroup)
            #expect(addresses(found.members(of: group)) == [vf.description])
        }
        // Children of the root port are the PFs; VFs hang off their PF instead.
        #expect(addresses(found.children(of: Fake.address("0000:00:1c.0"))) == ["0000:02:00.0", "0000:02:00.1"])
    }

    @Test func devicesBehindAPCIeToPCIBridgeShareItsGroup() throws {
        let found = try inventory(of: .pciePCIBridge)
        let bridge = try record(found, "0000:03:00.0")
        #expect(bridge.isBridge)
        #expect(bridge.driver == nil)
        #expect(bridge.parent == Fake.address("0000:00:1c.4"))
        #expect(bridge.identity.vendor == VendorID(0x1B36) && bridge.identity.device == DeviceID(0x000E))
        let nic = try record(found, "0000:04:01.0")
        #expect(nic.parent == bridge.address)
        #expect(nic.driver == DriverName("e1000"))
        #expect(nic.hostUse.networkInterfaces == [HostUse.NetworkInterface(name: "ens1", operstate: "up")])
        let audio = try record(found, "0000:04:02.0")
        #expect(audio.parent == bridge.address)
        #expect(audio.driver == DriverName("snd_ens1370"))
        #expect(audio.identity.subsystemVendor == VendorID(0x4942))
        #expect(addresses(found.members(of: IOMMUGroup(7))) == ["0000:03:00.0", "0000:04:01.0", "0000:04:02.0"])
        #expect(addresses(found.children(of: bridge.address)) == ["0000:04:01.0", "0000:04:02.0"])
    }

    @Test func multifunctionSlotIsOneGroup() throws {
        let found = try inventory(of: .multifunction)
        let members = found.members(of: IOMMUGroup(8))
        #expect(addresses(members) == ["0000:00:1f.0", "0000:00:1f.3", "0000:00:1f.4", "0000:00:1f.5"])
        #expect(Set(members.map(\.address.slot)).count == 1)
        #expect(members.map { $0.driver?.rawValue ?? "-" } == ["lpc_ich", "snd_hda_intel", "i801_smbus", "intel-spi"])
        #expect(members.allSatisfy { $0.parent == nil })
        #expect(try record(found, "0000:00:1f.0").identity.classCode == FakeClass.isaBridge)
        #expect(try !record(found, "0000:00:1f.0").isBridge)
    }

    @Test func rootPortOnPcieportWithANICBehindIt() throws {
        let found = try inventory(of: .rootPort)
        #expect(addresses(found.devices) == ["0000:00:00.0", "0000:00:1c.6", "0000:09:00.0"])
        let port = try record(found, "0000:00:1c.6")
        #expect(port.driver == DriverName.pcieport)
        #expect(port.isBridge)
        #expect(port.identity.subsystemVendor == VendorID(0))
        #expect(port.hostUse.isEmpty)  // the NIC's net/ belongs to the NIC, not to its port
        let nic = try record(found, "0000:09:00.0")
        #expect(nic.driver == DriverName("e1000e"))
        #expect(nic.parent == port.address)
        #expect(nic.iommuGroup == IOMMUGroup(10))
        #expect(nic.hostUse == HostUse(networkInterfaces: [HostUse.NetworkInterface(name: "enp9s0", operstate: "up")]))
        #expect(addresses(found.children(of: nil)) == ["0000:00:00.0", "0000:00:1c.6"])
    }

    @Test func deviceWithoutDriver() throws {
        let found = try inventory(of: .noDriver)
        let reader = try record(found, "0000:0a:00.0")
        #expect(reader.driver == nil)
        #expect(reader.driverOverride == nil)
        #expect(reader.iommuGroup == IOMMUGroup(12))
        #expect(reader.identity.classCode == FakeClass.unassigned)
        #expect(reader.identity.revision == Revision(1))
        #expect(reader.unreadable.isEmpty)
    }

    @Test func nvmeReportsItsBlockDeviceAndNode() throws {
        let found = try inventory(of: .nvme)
        let nvme = try record(found, "0000:05:00.0")
        #expect(nvme.hostUse == HostUse(blockDevices: ["nvme0n1"]))
        #expect(nvme.numaNode == 0)
        #expect(nvme.driver == DriverName("nvme"))
        #expect(nvme.identity.classCode == FakeClass.nvme)
    }

    @Test func multipathNVMeReportsTheBlockDevicesNotTheHiddenPaths() throws {
        let found = try inventory(of: .nvmeMultipath)
        #expect(try record(found, "0000:06:00.0").hostUse == HostUse(blockDevices: ["nvme1n1", "nvme1n2"]))
    }

    @Test func sataDiskIsFoundBelowTheSCSITree() throws {
        let found = try inventory(of: .sata)
        let ahci = try record(found, "0000:00:17.0")
        #expect(ahci.hostUse == HostUse(blockDevices: ["sda"]))
        #expect(ahci.driver == DriverName("ahci"))
    }

    @Test func driverOverrideIsRead() throws {
        let found = try inventory(of: .driverOverride)
        let nic = try record(found, "0000:07:00.0")
        #expect(nic.driverOverride == DriverName.vfioPCI)
        #expect(nic.driver == DriverName.vfioPCI)
        #expect(nic.iommuGroup == IOMMUGroup(19))
        #expect(nic.identity.revision == Revision(3))
    }

    @Test(arguments: ["(null)\n", "\n", "", "(null)"])
    func unsetOverrideSpellingsAllReadAsNil(_ contents: String) throws {
        let nic = Fake.address("0000:09:00.0")
        var tree = FakeScenario.rootPort.tree
        tree.update(nic) { $0.driverOverride(DriverName.vfioPCI) }
        tree.add(.attributeContents(nic, attribute: "driver_override", contents: contents))
        let found = try inventory(of: tree)
        #expect(found[nic]?.driverOverride == nil)
        #expect(found[nic]?.unreadable == [])
    }

    @Test func numaNodeMinusOneMeansNone() throws {
        let nic = Fake.address("0000:09:00.0")
        let none = try inventory(of: FakeScenario.rootPort.tree)
        #expect(none[nic]?.numaNode == nil)
        let node1 = try inventory(of: FakeScenario.rootPort.tree.updating(nic) { $0.numaNode(1) })
        #expect(node1[nic]?.numaNode == 1)
    }

    @Test func pfWithAutoprobeOffAndVFsBeyondTen() throws {
        let pf = Fake.address("0000:09:00.0")
        let tree = FakeScenario.rootPort.tree
            .updating(pf) { $0.sriov(totalVFs: 63, vfDevice: DeviceID(0x10CA), driversAutoprobe: false) }
            .addingVirtualFunctions(of: pf, count: 21) { i, vf in vf.group(100 + i) }
        let found = try inventory(of: tree)
        let record = try #require(found[pf])
        #expect(record.sriov.numVFs == 21)
        #expect(record.sriov.totalVFs == 63)
        #expect(record.sriov.driversAutoprobe == false)
        #expect(record.sriov.virtfns == record.sriov.virtfns.sorted())
        #expect(record.sriov.virtfns.count == 21)
        // Offset 0x80, stride 2: virtfn20 is routing id 0x0900 + 0x80 + 40.
        #expect(record.sriov.virtfns.last == Fake.address("0000:09:15.0"))
        #expect(found.devices.count == 3 + 21)
    }

    @Test func bridgesNestThroughASwitch() throws {
        var tree = FakeSysfs()
        tree.addPlatform()
        tree.add(.rootPort("0000:00:03.0").group(1))
        tree.add(
            FakePCIDevice("0000:10:00.0", 0x10B5, 0x8747, FakeClass.pciBridge).behind("0000:00:03.0")
                .role(.switchUpstream).driver(DriverName.pcieport).group(2))
        tree.add(
            FakePCIDevice("0000:11:08.0", 0x10B5, 0x8747, FakeClass.pciBridge).behind("0000:10:00.0")
                .role(.switchDownstream).driver(DriverName.pcieport).group(3))
        tree.add(
            FakePCIDevice("0000:12:00.0", 0x144D, 0xA808, FakeClass.nvme).behind("0000:11:08.0").driver("nvme")
                .group(4).nvme(controller: 3))
        let found = try inventory(of: tree)
        #expect(try record(found, "0000:12:00.0").parent == Fake.address("0000:11:08.0"))
        #expect(try record(found, "0000:11:08.0").parent == Fake.address("0000:10:00.0"))
        #expect(try record(found, "0000:10:00.0").parent == Fake.address("0000:00:03.0"))
        #expect(try record(found, "0000:12:00.0").hostUse.blockDevices == ["nvme3n1"])
        #expect(
            try tree.canonicalPath(of: Fake.address("0000:12:00.0"))
                == "devices/pci0000:00/0000:00:03.0/0000:10:00.0/0000:11:08.0/0000:12:00.0")
    }

    @Test func sysfsTreeSourceEnumeratesTheSame() throws {
        try FakeScenario.gpuAudio.tree.withRoot { root in
            let viaSource = try DeviceSource.sysfsTree(root: root).enumerate()
            let direct = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
            #expect(viaSource.devices == direct.devices)
            #expect(DeviceSource.sysfsTree(root: root).sysfs.displayPath("bus") == root + "/bus")
        }
    }

    @Test func rootGivenWithTrailingSlash() throws {
        try FakeScenario.rootPort.tree.withRoot { root in
            let found = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root + "/"), userGivenRoot: true).enumerate()
            #expect(found.devices.count == 3)
        }
    }
}
