import Glibc
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// The simulator's sysfs looks like the kernel's: attribute formats, link targets, path errors.
@Suite struct SimulatorLayoutTests {
    @Test func attributesUseTheKernelsFormats() throws {
        let kernel = KernelSimulator.standard()
        let device = "bus/pci/devices/0000:01:00.0/"
        #expect(try kernel.read(device + "vendor") == "0x8086")
        #expect(try kernel.read(device + "device") == "0x10d3")
        #expect(try kernel.read(device + "subsystem_vendor") == "0x8086")
        #expect(try kernel.read(device + "subsystem_device") == "0x0000")
        #expect(try kernel.read(device + "class") == "0x020000")
        #expect(try kernel.read(device + "revision") == "0x00")
        #expect(try kernel.read(device + "modalias") == "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00")
        #expect(try kernel.read(device + "driver_override") == "(null)")
        #expect(try kernel.read(device + "numa_node") == "-1")
        #expect(try kernel.read("bus/pci/devices/0000:05:02.0/revision") == "0x20")

        let pf = "bus/pci/devices/0000:03:00.0/"
        #expect(try kernel.read(pf + "sriov_totalvfs") == "4")
        #expect(try kernel.read(pf + "sriov_numvfs") == "0")
        #expect(try kernel.read(pf + "sriov_drivers_autoprobe") == "1")
        #expect(try kernel.read(pf + "sriov_vf_device") == "10")
        #expect(kernel.readErrno(device + "sriov_numvfs") == Glibc.ENOENT)
    }

    @Test func linksAreRelativeWithTheKernelsDepth() throws {
        let kernel = KernelSimulator.standard()
        #expect(
            try kernel.readLink("bus/pci/devices/0000:01:00.0")
                == "../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0")
        #expect(try kernel.readLink("bus/pci/devices/0000:00:1f.2") == "../../../devices/pci0000:00/0000:00:1f.2")
        #expect(
            try kernel.readLink("bus/pci/devices/0000:05:01.0")
                == "../../../devices/pci0000:00/0000:00:02.3/0000:04:00.0/0000:05:01.0")

        // The device directory is 4, 3 or 5 components deep: that many `..`.
        #expect(try kernel.readLink("bus/pci/devices/0000:01:00.0/driver") == "../../../../bus/pci/drivers/e1000e")
        #expect(try kernel.readLink("bus/pci/devices/0000:00:1f.2/driver") == "../../../bus/pci/drivers/ahci")
        #expect(try kernel.readLink("bus/pci/devices/0000:05:01.0/driver") == "../../../../../bus/pci/drivers/e1000")
        #expect(try kernel.readLink("bus/pci/devices/0000:01:00.0/iommu_group") == "../../../../kernel/iommu_groups/10")
        #expect(try kernel.readLink("bus/pci/devices/0000:01:00.0/subsystem") == "../../../../bus/pci")

        #expect(
            try kernel.readLink("bus/pci/drivers/e1000e/0000:01:00.0")
                == "../../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0")
        #expect(try kernel.readLink("bus/pci/drivers/e1000e/module") == "../../../../module/e1000e")
        #expect(try kernel.readLink("module/e1000e/drivers/pci:e1000e") == "../../../bus/pci/drivers/e1000e")
        #expect(
            try kernel.readLink("kernel/iommu_groups/13/devices/0000:05:02.0")
                == "../../../../devices/pci0000:00/0000:00:02.3/0000:04:00.0/0000:05:02.0")
    }

    @Test func directoriesListWhatTheKernelShows() throws {
        let kernel = KernelSimulator.standard()
        let devices = try kernel.list("bus/pci/devices")
        #expect(devices.count == 20)
        #expect(devices.allSatisfy { $0.kind == .symlink })

        let members = try kernel.list("kernel/iommu_groups/13/devices").map(\.name).sorted()
        #expect(members == ["0000:04:00.0", "0000:05:01.0", "0000:05:02.0"])

        let e1000e = Dictionary(
            try kernel.list("bus/pci/drivers/e1000e").map { ($0.name, $0.kind) },
            uniquingKeysWith: { a, _ in a })
        #expect(
            e1000e["bind"] == .file && e1000e["unbind"] == .file && e1000e["new_id"] == .file
                && e1000e["remove_id"] == .file)
        #expect(e1000e["module"] == .symlink && e1000e["0000:01:00.0"] == .symlink)

        // Built in: no module link, no /sys/module directory.
        #expect(try !kernel.list("bus/pci/drivers/pcieport").contains { $0.name == "module" })
        #expect(kernel.readErrno("module/pcieport/initstate") == Glibc.ENOENT)
        // Not loaded: no driver directory yet.
        #expect(try !kernel.list("bus/pci/drivers").contains { $0.name == "vfio-pci" })

        // Listing follows links, also the last one.
        #expect(try kernel.list("bus/pci/devices/0000:01:00.0/driver").contains { $0.name == "unbind" })
        #expect(try kernel.list("bus/pci/devices/0000:01:00.0/net").map(\.name) == ["eth0"])
    }

    @Test func pathErrorsAreTheOnesOpenAndReadlinkGive() {
        let kernel = KernelSimulator.standard()
        #expect(kernel.readErrno("bus/pci/devices/0000:09:00.0/vendor") == Glibc.ENOENT)
        #expect(kernel.readErrno("bus/pci/devices/0000:01:00.0") == ELOOP)  // O_NOFOLLOW on a link
        #expect(kernel.readErrno("bus/pci/devices/0000:01:00.0/driver") == ELOOP)
        #expect(kernel.readErrno("bus/pci/drivers/e1000e") == EISDIR)
        #expect(kernel.readErrno("bus/pci/drivers/e1000e/bind") == EACCES)  // write-only
        #expect(kernel.readErrno("bus/pci/devices/0000:01:00.0/vendor/x") == Glibc.ENOTDIR)
        #expect(kernel.writeErrno("bus/pci/devices/0000:01:00.0/vendor", "0x1234") == EACCES)  // read-only
        #expect(kernel.writeErrno("bus/pci/devices/0000:01:00.0", "x") == ELOOP)
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e", "x") == EISDIR)

        let notDirectory = #expect(throws: SysfsError.self) { try kernel.list("bus/pci/drivers_probe") }
        #expect(notDirectory?.errno == Glibc.ENOTDIR)
        #expect(notDirectory?.operation == .list)
        #expect(notDirectory?.path == "/sys/bus/pci/drivers_probe")
        let notLink = #expect(throws: SysfsError.self) { try kernel.readLink("bus/pci/devices/0000:01:00.0/vendor") }
        #expect(notLink?.errno == EINVAL)
        #expect(kernel.displayPath("bus/pci/devices") == "/sys/bus/pci/devices")
    }

    @Test func hostUseChildrenExistOnlyWhileAHostDriverIsBound() throws {
        let kernel = KernelSimulator.standard()
        #expect(try kernel.read("bus/pci/devices/0000:01:00.0/net/eth0/operstate") == "down")
        #expect(try kernel.read("bus/pci/devices/0000:02:00.0/virtio2/net/eth1/operstate") == "down")
        try kernel.write("bus/pci/drivers/e1000e/unbind", "0000:01:00.0")
        #expect(kernel.readErrno("bus/pci/devices/0000:01:00.0/net/eth0/operstate") == Glibc.ENOENT)
    }

    /// The strongest layout check: written to a real directory, the snapshot enumerates through LiveSysfs
    /// (real readlink, real path resolution) exactly as the simulator does in memory.
    @Test func aMaterialisedSnapshotEnumeratesIdentically() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        try kernel.write("bus/pci/devices/0000:03:00.0/sriov_numvfs", "2")
        try kernel.write("bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci")
        try kernel.write("bus/pci/devices/0000:01:00.0/driver/unbind", "0000:01:00.0")
        try kernel.write("bus/pci/drivers/vfio-pci/bind", "0000:01:00.0")

        let inMemory = try kernel.inventory()
        try TemporaryDirectory.with { root in
            try kernel.materialize(to: root)
            let onDisk = try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate()
            #expect(onDisk.devices == inMemory.devices)
            #expect(onDisk.warnings.isEmpty)
            // The unbind file is reachable through the driver link on disk too.
            var info = stat()
            #expect(stat(root + "/bus/pci/devices/0000:01:00.0/driver/unbind", &info) == 0)
            #expect(stat(root + "/bus/pci/devices/0000:03:00.1/physfn/sriov_numvfs", &info) == 0)
            #expect(stat(root + "/kernel/iommu_groups/10/devices/0000:01:00.0/driver/bind", &info) == 0)
            #expect(stat(root + "/module/vfio_pci/drivers/pci:vfio-pci/bind", &info) == 0)
        }
    }
}
