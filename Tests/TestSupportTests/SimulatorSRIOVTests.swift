import Glibc
import TestSupport
import Testing
import VFIOCore

/// sriov_numvfs and sriov_drivers_autoprobe on the NVMe PF (4 VFs, offset 1, stride 1).
@Suite struct SimulatorSRIOVTests {
    let numvfs = "bus/pci/devices/0000:03:00.0/sriov_numvfs"
    let autoprobe = "bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe"

    @Test func creatingVFsAddsDevicesGroupsAndLinks() throws {
        let kernel = KernelSimulator.standard()
        try kernel.write(numvfs, "2\n")
        #expect(try kernel.read(numvfs) == "2")
        #expect(kernel.virtualFunctions(of: SimVM.nvme) == [SimVM.nvmeVF(0), SimVM.nvmeVF(1)])
        #expect(kernel.physicalFunction(of: SimVM.nvmeVF(1)) == SimVM.nvme)
        #expect(kernel.group(of: SimVM.nvmeVF(0)) == IOMMUGroup(15))
        #expect(kernel.group(of: SimVM.nvmeVF(1)) == IOMMUGroup(16))
        #expect(try kernel.readLink("bus/pci/devices/0000:03:00.0/virtfn1") == "../0000:03:00.2")
        #expect(try kernel.readLink("bus/pci/devices/0000:03:00.1/physfn") == "../0000:03:00.0")
        #expect(
            try kernel.readLink("bus/pci/devices/0000:03:00.1")
                == "../../../devices/pci0000:00/0000:00:02.2/0000:03:00.1")
        #expect(try kernel.read("bus/pci/devices/0000:03:00.1/device") == "0x0010")
        #expect(kernel.readErrno("bus/pci/devices/0000:03:00.1/sriov_numvfs") == Glibc.ENOENT)
        // drivers_autoprobe is 1: nvme took them.
        #expect(kernel.driver(of: SimVM.nvmeVF(0))?.rawValue == "nvme")
        #expect(try kernel.list("kernel/iommu_groups/16/devices").map(\.name) == ["0000:03:00.2"])
    }

    @Test func numVFsErrorsInTheKernelsOrder() throws {
        let kernel = KernelSimulator.standard()
        #expect(kernel.writeErrno(numvfs, "abc") == EINVAL)
        #expect(kernel.writeErrno(numvfs, "-1") == EINVAL)
        #expect(kernel.writeErrno(numvfs, "70000") == EINVAL)  // not a u16
        #expect(kernel.writeErrno(numvfs, "5") == ERANGE)
        #expect(kernel.writeErrno(numvfs, "0x2") == nil)
        #expect(kernel.virtualFunctions(of: SimVM.nvme).count == 2)
        #expect(kernel.writeErrno(numvfs, "3") == EBUSY)  // write 0 first
        #expect(kernel.writeErrno(numvfs, "2") == nil)  // the same number: nothing to do
        #expect(kernel.writeErrno(numvfs, "0") == nil)
        #expect(kernel.virtualFunctions(of: SimVM.nvme).isEmpty)
        #expect(!kernel.contains(SimVM.nvmeVF(0)))
        #expect(kernel.readErrno("bus/pci/devices/0000:03:00.1/vendor") == Glibc.ENOENT)
        #expect(try kernel.list("kernel/iommu_groups").contains { $0.name == "15" } == false)
        #expect(kernel.writeErrno(numvfs, "3") == nil)
        #expect(kernel.virtualFunctions(of: SimVM.nvme).count == 3)
    }

    @Test func aPFWithoutDriverCannotChangeItsVFs() throws {
        let kernel = KernelSimulator.standard()
        try kernel.write("bus/pci/drivers/nvme/unbind", "0000:03:00.0")
        #expect(kernel.writeErrno(numvfs, "2") == Glibc.ENOENT)
        #expect(kernel.writeErrno(numvfs, "9") == ERANGE, "the range is checked before the driver")
        #expect(kernel.writeErrno(numvfs, "0") == nil, "already 0: nothing to do")
        // A driver without sriov_configure: ENOENT as well.
        try kernel.loadModule("pci_stub")
        try kernel.write("bus/pci/devices/0000:03:00.0/driver_override", "pci-stub")
        try kernel.write("bus/pci/drivers/pci-stub/bind", "0000:03:00.0")
        #expect(kernel.writeErrno(numvfs, "1") == Glibc.ENOENT)
    }

    @Test func autoprobeOffLeavesNewVFsUnboundUntilAnOverrideNamesADriver() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        #expect(kernel.writeErrno(autoprobe, "maybe") == EINVAL)
        try kernel.write(autoprobe, "0")
        #expect(try kernel.read(autoprobe) == "0")
        try kernel.write(numvfs, "2")
        #expect(kernel.driver(of: SimVM.nvmeVF(0)) == nil)
        #expect(kernel.driver(of: SimVM.nvmeVF(1)) == nil)

        // Without an override nothing may probe a VF of this PF, not even bind.
        #expect(kernel.writeErrno("bus/pci/drivers_probe", "0000:03:00.1") == nil)
        #expect(kernel.driver(of: SimVM.nvmeVF(0)) == nil)
        #expect(kernel.writeErrno("bus/pci/drivers/nvme/bind", "0000:03:00.1") == ENODEV)

        try kernel.write("bus/pci/devices/0000:03:00.1/driver_override", "vfio-pci")
        try kernel.write("bus/pci/drivers/vfio-pci/bind", "0000:03:00.1")
        #expect(kernel.driver(of: SimVM.nvmeVF(0)) == DriverName.vfioPCI)
        #expect(kernel.deviceNodeExists("/dev/vfio/15"))

        try kernel.write(autoprobe, "on")
        try kernel.write("bus/pci/drivers_probe", "0000:03:00.2")
        #expect(kernel.driver(of: SimVM.nvmeVF(1))?.rawValue == "nvme")
    }

    @Test func destroyingVFsUnbindsThemUnlessAVFIOUserHoldsOne() throws {
        let kernel = KernelSimulator.Builder.standard()
            .updating("0000:03:00.0") { $0.sriov(totalVFs: 4, vfDevice: 0x0010, driversAutoprobe: false) }
            .loading("vfio_pci")
            .enablingVFs(of: "0000:03:00.0", count: 2)
            .build()
        #expect(kernel.virtualFunctions(of: SimVM.nvme).count == 2)
        try kernel.write("bus/pci/devices/0000:03:00.2/driver_override", "vfio-pci")
        try kernel.write("bus/pci/drivers_probe", "0000:03:00.2")
        #expect(kernel.driver(of: SimVM.nvmeVF(1)) == DriverName.vfioPCI)

        kernel.holdOpen(group: try #require(kernel.group(of: SimVM.nvmeVF(1))))
        #expect(kernel.writeErrno(numvfs, "0") == EINTR)
        #expect(kernel.blockedUnbinds == 1)
        #expect(kernel.virtualFunctions(of: SimVM.nvme).count == 2, "nothing changed")

        kernel.release(group: try #require(kernel.group(of: SimVM.nvmeVF(1))))
        try kernel.write(numvfs, "0")
        #expect(kernel.virtualFunctions(of: SimVM.nvme).isEmpty)
        #expect(!kernel.deviceNodeExists("/dev/vfio/16"))
        #expect(kernel.driver(of: SimVM.nvme)?.rawValue == "nvme")
    }
}
