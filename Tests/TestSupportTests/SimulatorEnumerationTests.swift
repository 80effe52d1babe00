import Glibc
import TestSupport
import Testing
import VFIOCore

/// SysfsWalkEnumerator reads the simulator like a real /sys.
@Suite struct SimulatorEnumerationTests {
    private func device(
        _ inventory: DeviceInventory, _ address: PCIAddress,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> PCIDevice {
        try #require(inventory[address], "no \(address) in the inventory", sourceLocation: sourceLocation)
    }

    @Test func theStandardMachineEnumeratesCompletely() throws {
        let kernel = KernelSimulator.standard()
        let inventory = try kernel.inventory()
        #expect(inventory.warnings.isEmpty)
        #expect(inventory.devices.map(\.address) == kernel.addresses.sorted())
        #expect(inventory.devices.count == 20)

        let state = kernel.state()
        for record in inventory.devices {
            #expect(record.driver == state[record.address]?.driver, "\(record.address)")
            #expect(record.driverOverride == nil, "\(record.address)")
            #expect(record.iommuGroup == kernel.group(of: record.address), "\(record.address)")
            #expect(record.modalias == record.identity.modalias, "\(record.address)")
            #expect(record.unreadable.isEmpty, "\(record.address): \(record.unreadable)")
        }

        let e1000e = try device(inventory, SimVM.e1000e)
        #expect(
            e1000e.identity
                == PCIIdentity(
                    vendor: VendorID(0x8086), device: DeviceID(0x10D3),
                    subsystemVendor: VendorID(0x8086), subsystemDevice: DeviceID(0),
                    classCode: ClassCode(0x020000)!, revision: Revision(0)))
        #expect(e1000e.driver?.rawValue == "e1000e")
        #expect(e1000e.iommuGroup == IOMMUGroup(10))
        #expect(e1000e.parent == SimVM.rootPorts[0])
        #expect(e1000e.numaNode == nil)
        #expect(e1000e.hostUse.networkInterfaces == [HostUse.NetworkInterface(name: "eth0", operstate: "down")])

        #expect(try device(inventory, SimVM.e1000).parent == SimVM.pciBridge)
        #expect(try device(inventory, SimVM.pciBridge).isBridge)
        #expect(try device(inventory, SimVM.edu).driver == nil)
        #expect(try device(inventory, SimVM.virtioNet).hostUse.networkInterfaces.map(\.name) == ["eth1"])
        #expect(inventory.members(of: IOMMUGroup(13)).map(\.address) == [SimVM.pciBridge, SimVM.e1000, SimVM.rtl8139])
        #expect(inventory.members(of: IOMMUGroup(9)).count == 3)
        #expect(inventory.children(of: nil).count == 12)

        let nvme = try device(inventory, SimVM.nvme)
        #expect(nvme.sriov == SRIOVState(numVFs: 0, totalVFs: 4, driversAutoprobe: true))
        #expect(kernel.summary.split(separator: "\n").contains("0000:01:00.0 driver=e1000e override=- group=10"))
    }

    @Test func changesShowInTheNextEnumeration() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        try kernel.write("bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe", "0")
        try kernel.write("bus/pci/devices/0000:03:00.0/sriov_numvfs", "2")
        try kernel.write("bus/pci/devices/0000:03:00.2/driver_override", "vfio-pci")
        try kernel.write("bus/pci/drivers_probe", "0000:03:00.2")
        try kernel.write("bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci")

        let inventory = try kernel.inventory()
        #expect(inventory.warnings.isEmpty)
        #expect(inventory.devices.count == 22)

        let pf = try device(inventory, SimVM.nvme)
        #expect(
            pf.sriov
                == SRIOVState(
                    virtfns: [SimVM.nvmeVF(0), SimVM.nvmeVF(1)], numVFs: 2, totalVFs: 4,
                    driversAutoprobe: false))
        let vf0 = try device(inventory, SimVM.nvmeVF(0))
        #expect(vf0.sriov == SRIOVState(physfn: SimVM.nvme))
        #expect(vf0.isVirtualFunction)
        #expect(vf0.parent == SimVM.rootPorts[2])
        #expect(vf0.driver == nil)
        #expect(vf0.iommuGroup == IOMMUGroup(15))
        #expect(vf0.identity.device == DeviceID(0x0010))
        let vf1 = try device(inventory, SimVM.nvmeVF(1))
        #expect(vf1.driver == DriverName.vfioPCI)
        #expect(vf1.driverOverride == DriverName.vfioPCI)
        #expect(vf1.iommuGroup == IOMMUGroup(16))

        let e1000e = try device(inventory, SimVM.e1000e)
        #expect(e1000e.driverOverride == DriverName.vfioPCI)
        #expect(e1000e.driver?.rawValue == "e1000e")
        // VFs are not children in the topology.
        #expect(inventory.children(of: SimVM.rootPorts[2]).map(\.address) == [SimVM.nvme])
    }

    @Test func aCustomMachine() throws {
        typealias Spec = KernelSimulator.DeviceSpec
        let kernel = KernelSimulator.Builder()
            .adding(Spec("0000:00:00.0", 0x8086, 0x3E30, class: 0x060000).group(0))
            .adding(Spec("0000:00:02.0", 0x8086, 0x3E92, class: 0x030000).driver("i915").group(1).bootVGA())
            .adding(Spec("0000:00:1c.0", 0x8086, 0xA338, class: 0x060400).driver("pcieport").group(2))
            .adding(
                Spec("0000:02:00.0", 0x8086, 0x1572, class: 0x020000).behind("0000:00:1c.0").driver("i40e")
                    .group(3).numaNode(0).sriov(totalVFs: 8, vfDevice: 0x154C, offset: 0x80, stride: 2)
            )
            .adding(
                KernelSimulator.ModuleSpec(
                    "pcieport", drivers: [.init("pcieport", ids: [.classCode(0x060400)])],
                    builtIn: true), loaded: true
            )
            .adding(.host("i915", ids: [.classCode(0x030000, mask: 0xFFFF00)]), loaded: true)
            .adding(.host("i40e", ids: [.device(0x8086, 0x1572)], supportsSRIOV: true), loaded: true)
            .adding(.host("iavf", ids: [.device(0x8086, 0x154C)]), loaded: true)
            .enablingVFs(of: "0000:02:00.0", count: 3)
            .build()
        let inventory = try kernel.inventory()
        #expect(inventory.warnings.isEmpty)
        #expect(try device(inventory, Fake.address("0000:00:02.0")).bootVGA)
        #expect(try device(inventory, Fake.address("0000:02:00.0")).numaNode == 0)
        // Offset 0x80, stride 2 from 02:00.0: 02:10.0, 02:10.2, 02:10.4; iavf probed them.
        let vfs = kernel.virtualFunctions(of: Fake.address("0000:02:00.0"))
        #expect(vfs.map(\.description) == ["0000:02:10.0", "0000:02:10.2", "0000:02:10.4"])
        #expect(vfs.allSatisfy { kernel.driver(of: $0)?.rawValue == "iavf" })
        #expect(vfs.map { kernel.group(of: $0)?.number } == [4, 5, 6])
        #expect(try device(inventory, vfs[2]).numaNode == 0)
    }
}
