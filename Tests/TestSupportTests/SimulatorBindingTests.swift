import Glibc
import TestSupport
import Testing
import VFIOCore

/// driver_override, unbind, bind, drivers_probe, new_id, remove_id: the table in kernel-sysfs.md.
@Suite struct SimulatorBindingTests {
    let e1000e = "0000:01:00.0"
    var override: String { "bus/pci/devices/\(e1000e)/driver_override" }

    // MARK: driver_override

    @Test func overrideSetsClearsAndIgnoresEmptyWrites() throws {
        let kernel = KernelSimulator.standard()
        try kernel.write(override, "vfio-pci\n")
        #expect(try kernel.read(override) == "vfio-pci")
        #expect(kernel.override(of: SimVM.e1000e) == DriverName.vfioPCI)
        #expect(
            kernel.driver(of: SimVM.e1000e)?.rawValue == "e1000e", "setting the override neither unbinds nor probes")

        try kernel.write(override, "")  // 0 bytes: returns 0, changes nothing
        #expect(kernel.override(of: SimVM.e1000e) == DriverName.vfioPCI)

        try kernel.write(override, "\n")
        #expect(try kernel.read(override) == "(null)")
        #expect(kernel.override(of: SimVM.e1000e) == nil)

        try kernel.write(override, "pci-stub\nignored")
        #expect(kernel.overrideText(of: SimVM.e1000e) == "pci-stub")
        try kernel.write(override, "\0\0\0")  // python's NUL padding clears
        #expect(kernel.overrideText(of: SimVM.e1000e) == nil)
    }

    @Test func overrideLongerThanAPageMinusTwoIsEINVAL() throws {
        let kernel = KernelSimulator.standard()
        // driver_set_override: len >= PAGE_SIZE - 1 is refused, so 4094 bytes is the longest accepted.
        #expect(kernel.writeErrno(override, String(repeating: "a", count: 4095)) == EINVAL)
        #expect(kernel.writeErrno(override, String(repeating: "a", count: 5000)) == EINVAL)
        #expect(kernel.overrideText(of: SimVM.e1000e) == nil)
        #expect(kernel.writeErrno(override, String(repeating: "a", count: 4094)) == nil)
        #expect(kernel.overrideText(of: SimVM.e1000e)?.count == 4094)
    }

    // MARK: unbind

    @Test func unbindThroughTheDriverDirectory() throws {
        let kernel = KernelSimulator.standard()
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/unbind", "0000:05:01.0") == ENODEV)  // bound to e1000
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/unbind", "0000:09:00.0") == ENODEV)  // no such device
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/unbind", "01:00.0") == ENODEV)  // names are full BDFs
        #expect(kernel.driver(of: SimVM.e1000)?.rawValue == "e1000")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e + "\n")
        #expect(kernel.driver(of: SimVM.e1000e) == nil)
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/unbind", e1000e) == ENODEV)  // no longer bound to it
    }

    @Test func unbindThroughTheDeviceLinkIsENOENTWhenUnbound() throws {
        let kernel = KernelSimulator.standard()
        let path = "bus/pci/devices/\(e1000e)/driver/unbind"
        try kernel.write(path, e1000e)
        #expect(kernel.driver(of: SimVM.e1000e) == nil)
        #expect(kernel.writeErrno(path, e1000e) == Glibc.ENOENT)
        #expect(kernel.writeErrno("bus/pci/devices/0000:00:05.0/driver/unbind", "0000:00:05.0") == Glibc.ENOENT)
        // Through the link the handler is the driver's: another device's name is ENODEV.
        #expect(kernel.writeErrno("bus/pci/devices/0000:05:01.0/driver/unbind", "0000:05:02.0") == ENODEV)
    }

    // MARK: bind

    @Test func bindErrors() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/bind", "0000:09:00.0") == ENODEV)  // unknown BDF
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/bind", e1000e) == EBUSY)  // matches, already bound
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/bind", e1000e) == ENODEV)  // override-only table
        #expect(kernel.writeErrno("bus/pci/drivers/e1000/bind", e1000e) == ENODEV)  // no id matches

        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/bind", e1000e) == ENODEV, "unbound changes nothing")
        try kernel.write(override, "pci-stub")
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/bind", e1000e) == ENODEV, "override names another driver")
        #expect(kernel.driver(of: SimVM.e1000e) == nil)
    }

    @Test func anyDriverCanBeForcedByOverride() throws {
        let kernel = KernelSimulator.standard()
        try kernel.write(override, "e1000")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        try kernel.write("bus/pci/drivers/e1000/bind", e1000e)  // the catch-all id
        #expect(kernel.driver(of: SimVM.e1000e)?.rawValue == "e1000")
    }

    @Test func probeFailureIsTheBindErrorAndLeavesTheDeviceUnbound() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule(SimVM.testVariantModule)
        kernel.failProbe(driver: "test-vfio-pci", errno: ENODEV)  // the variant's fail_probe=1
        try kernel.write(override, "test-vfio-pci")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        #expect(kernel.writeErrno("bus/pci/drivers/test-vfio-pci/bind", e1000e) == ENODEV)
        #expect(kernel.driver(of: SimVM.e1000e) == nil)

        kernel.clearProbeFailures(driver: SimVM.testVariantDriver)
        kernel.failProbe(driver: SimVM.testVariantDriver, device: SimVM.e1000e, errno: EIO)
        #expect(kernel.writeErrno("bus/pci/drivers/test-vfio-pci/bind", e1000e) == EIO)
        kernel.clearProbeFailures(driver: SimVM.testVariantDriver)
        try kernel.write("bus/pci/drivers/test-vfio-pci/bind", e1000e)
        #expect(kernel.driver(of: SimVM.e1000e) == SimVM.testVariantDriver)
        #expect(kernel.deviceNodeExists("/dev/vfio/10"))
    }

    @Test func vfioPCIRefusesBridgesPFsWithVFsAndDevicesWithoutAGroup() throws {
        let kernel = KernelSimulator.Builder.standard()
            .adding(KernelSimulator.DeviceSpec("0000:00:06.0", 0x1234, 0x5678, class: 0x028000))  // no IOMMU group
            .build()
        try kernel.loadModule("vfio_pci")
        func force(_ address: String) throws -> Int32? {
            try kernel.write("bus/pci/devices/\(address)/driver_override", "vfio-pci")
            if kernel.driver(of: address) != nil {
                try kernel.write("bus/pci/devices/\(address)/driver/unbind", address)
            }
            return kernel.writeErrno("bus/pci/drivers/vfio-pci/bind", address)
        }
        #expect(try force("0000:04:00.0") == EINVAL)  // PCIe-to-PCI bridge
        #expect(try force("0000:00:02.0") == EINVAL)  // root port
        #expect(try force("0000:00:06.0") == EINVAL)  // no IOMMU group
        try kernel.write("bus/pci/devices/0000:03:00.0/sriov_numvfs", "1")
        #expect(try force("0000:03:00.0") == EBUSY)  // PF with VFs enabled
        #expect(kernel.driver(of: "0000:03:00.0") == nil)
        #expect(try force("0000:00:05.0") == nil)  // edu: a plain endpoint
        #expect(kernel.driver(of: "0000:00:05.0") == DriverName.vfioPCI)
    }

    // MARK: The safe order

    @Test func safeBindOrderAndRestore() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        let start = kernel.writeCount
        try kernel.write(override, "vfio-pci")
        try kernel.write("bus/pci/devices/\(e1000e)/driver/unbind", e1000e)
        #expect(!kernel.deviceNodeExists("/dev/vfio/10"))
        try kernel.write("bus/pci/drivers/vfio-pci/bind", e1000e)
        #expect(kernel.driverLink(SimVM.e1000e) == "vfio-pci")
        #expect(kernel.deviceNodeExists("/dev/vfio/10"), "the group node appears synchronously")
        #expect(try kernel.read("bus/pci/devices/\(e1000e)/power_state") == "D3hot")

        // Restore: clear the override, unbind, bind the original driver.
        try kernel.write(override, "\n")
        try kernel.write("bus/pci/devices/\(e1000e)/driver/unbind", e1000e)
        #expect(!kernel.deviceNodeExists("/dev/vfio/10"), "gone with the last VFIO member")
        try kernel.write("bus/pci/drivers/e1000e/bind", e1000e)
        #expect(kernel.driverLink(SimVM.e1000e) == "e1000e")
        #expect(kernel.writeCount - start == 6)
        #expect(kernel.writes.suffix(6).allSatisfy { $0.errno == nil })
        #expect(kernel.blockedUnbinds == 0)
    }

    @Test func groupNodeStaysWhileAnyMemberIsOnVFIO() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        for address in ["0000:06:00.0", "0000:06:00.1"] {
            try kernel.write("bus/pci/devices/\(address)/driver_override", "vfio-pci")
            try kernel.write("bus/pci/devices/\(address)/driver/unbind", address)
            try kernel.write("bus/pci/drivers_probe", address)
        }
        #expect(kernel.vfioDeviceNodes == ["/dev/vfio/vfio", "/dev/vfio/14"])
        try kernel.write("bus/pci/drivers/vfio-pci/unbind", "0000:06:00.0")
        #expect(kernel.deviceNodeExists("/dev/vfio/14"))
        try kernel.write("bus/pci/drivers/vfio-pci/unbind", "0000:06:00.1")
        #expect(!kernel.deviceNodeExists("/dev/vfio/14"))
        #expect(!kernel.deviceNodeExists("/dev/vfio/../vfio/14"))
    }

    @Test func deviceCdevsWhenModelled() throws {
        let kernel = KernelSimulator.Builder.standard().loading("vfio_pci").vfioNodes(groups: false, deviceCdevs: true)
            .build()
        try kernel.write(override, "vfio-pci")
        try kernel.write("bus/pci/devices/\(e1000e)/driver/unbind", e1000e)
        try kernel.write("bus/pci/drivers/vfio-pci/bind", e1000e)
        #expect(!kernel.deviceNodeExists("/dev/vfio/10"))
        #expect(try kernel.list("bus/pci/devices/\(e1000e)/vfio-dev").map(\.name) == ["vfio0"])
        #expect(kernel.deviceNodeExists("/dev/vfio/devices/vfio0"))
        #expect(kernel.vfioDeviceNodes == ["/dev/vfio/devices/vfio0"])
        try kernel.write("bus/pci/drivers/vfio-pci/unbind", e1000e)
        #expect(!kernel.deviceNodeExists("/dev/vfio/devices/vfio0"))
        #expect(kernel.readErrno("bus/pci/devices/\(e1000e)/vfio-dev/vfio0/dev") == Glibc.ENOENT)
    }

    // MARK: drivers_probe

    @Test func driversProbeSucceedsEvenWhenNothingBinds() throws {
        let kernel = KernelSimulator.standard()
        #expect(kernel.writeErrno("bus/pci/drivers_probe", "0000:09:00.0") == ENODEV)
        #expect(kernel.writeErrno("bus/pci/drivers_probe", "0000:00:05.0") == nil)  // edu: no driver at all
        #expect(kernel.driver(of: SimVM.edu) == nil)

        // An override naming a driver that is not loaded: success, nothing bound.
        try kernel.write(override, "vfio-pci")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        #expect(kernel.writeErrno("bus/pci/drivers_probe", e1000e) == nil)
        #expect(kernel.driverLink(SimVM.e1000e) == nil)

        // The probe fails: still success.
        try kernel.loadModule(SimVM.testVariantModule)
        kernel.failProbe(driver: "test-vfio-pci", errno: ENODEV)
        try kernel.write(override, "test-vfio-pci")
        #expect(kernel.writeErrno("bus/pci/drivers_probe", e1000e) == nil)
        #expect(kernel.driver(of: SimVM.e1000e) == nil)

        // Cleared override: normal matching finds e1000e again.
        try kernel.write(override, "\n")
        try kernel.write("bus/pci/drivers_probe", e1000e + "\n")
        #expect(kernel.driver(of: SimVM.e1000e)?.rawValue == "e1000e")
        // Bound already: success, nothing changes.
        #expect(kernel.writeErrno("bus/pci/drivers_probe", e1000e) == nil)
    }

    @Test func driversProbeTriesTheNextDriverAfterAFailedProbe() throws {
        // ahci matches the AHCI function by id and by class; make a second class driver that fails first.
        let kernel = KernelSimulator.Builder.standard()
            .adding(.host("sata_first", ids: [.classCode(0x010601)]), loaded: false)
            .build()
        try kernel.write("bus/pci/drivers/ahci/unbind", "0000:00:1f.2")
        try kernel.loadModule("sata_first")  // registers after ahci, grabs the unbound AHCI function
        #expect(kernel.driver(of: SimVM.ahci)?.rawValue == "sata_first")
        try kernel.write("bus/pci/drivers/sata_first/unbind", "0000:00:1f.2")
        kernel.failProbe(driver: "ahci", errno: EIO)
        try kernel.write("bus/pci/drivers_probe", "0000:00:1f.2")
        #expect(kernel.driver(of: SimVM.ahci)?.rawValue == "sata_first")
    }

    // MARK: new_id / remove_id

    @Test func newIDBindsEveryMatchingUnboundDevice() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        // Both virtio-net functions unbound; one of them has an override naming another driver.
        try kernel.write("bus/pci/drivers/virtio-pci/unbind", "0000:02:00.0")
        try kernel.write("bus/pci/drivers/virtio-pci/unbind", "0000:06:00.0")
        try kernel.write("bus/pci/devices/0000:06:00.0/driver_override", "pci-stub")
        try kernel.write("bus/pci/drivers/vfio-pci/new_id", "1af4 1041")
        #expect(kernel.driver(of: "0000:02:00.0") == DriverName.vfioPCI)
        #expect(kernel.driver(of: "0000:06:00.0") == nil, "its override names pci-stub")
        #expect(kernel.driver(of: "0000:06:00.1")?.rawValue == "virtio-pci", "bound devices are not taken")
        #expect(kernel.dynamicIDs(of: .vfioPCI) == [KernelSimulator.IDEntry(vendor: 0x1AF4, device: 0x1041)])

        // drivers_probe tries drivers in registration order: virtio-pci (registered first) wins over the
        // dynamic id (dynamic ids only come first within one driver).
        try kernel.write("bus/pci/devices/0000:06:00.0/driver_override", "\n")
        try kernel.write("bus/pci/drivers_probe", "0000:06:00.0")
        #expect(kernel.driver(of: "0000:06:00.0")?.rawValue == "virtio-pci")
    }

    @Test func newIDErrors() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        try kernel.write("bus/pci/drivers/vfio-pci/new_id", "0x1234 0x11e8\n")
        #expect(kernel.driver(of: SimVM.edu) == DriverName.vfioPCI)
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/new_id", "1234 11e8") == EEXIST)
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/new_id", "8086 10d3") == EEXIST)  // in the static table
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/new_id", "8086") == EINVAL)
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/new_id", "zzzz 10d3") == EINVAL)
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/new_id", "8086:10d3") == EINVAL)
        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/new_id", "") == nil)  // 0 bytes
        #expect(kernel.dynamicIDs(of: .vfioPCI).count == 1)
    }

    @Test func removeIDNeverUnbinds() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("pci_stub")
        #expect(kernel.writeErrno("bus/pci/drivers/pci-stub/remove_id", "1234 11e8") == ENODEV)
        try kernel.write("bus/pci/drivers/pci-stub/new_id", "1234 11e8")
        #expect(kernel.driver(of: SimVM.edu) == DriverName.pciStub)
        #expect(kernel.writeErrno("bus/pci/drivers/pci-stub/remove_id", "1234") == EINVAL)
        try kernel.write("bus/pci/drivers/pci-stub/remove_id", "1234 11e8")
        #expect(kernel.dynamicIDs(of: .pciStub).isEmpty)
        #expect(kernel.driver(of: SimVM.edu) == DriverName.pciStub)
        #expect(kernel.writeErrno("bus/pci/drivers/pci-stub/remove_id", "1234 11e8") == ENODEV)
    }

    // MARK: Modules

    @Test func loadingAModuleProbesDevicesWhoseOverrideNamesItsDriver() throws {
        let kernel = KernelSimulator.standard()
        try kernel.write(override, "test-vfio-pci")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        #expect(!kernel.isLoaded(Fake.module("vfio_pci_core")))
        try kernel.loadModule(SimVM.testVariantModule)
        #expect(kernel.driver(of: SimVM.e1000e) == SimVM.testVariantDriver)
        #expect(kernel.loadedModules.suffix(3).map(\.rawValue) == ["vfio", "vfio_pci_core", "test_vfio_pci"])
        #expect(
            try kernel.readLink("module/test_vfio_pci/drivers/pci:test-vfio-pci")
                == "../../../bus/pci/drivers/test-vfio-pci")
        #expect(try kernel.list("module/vfio_pci_core/holders").map(\.name) == ["test_vfio_pci"])
        #expect(try kernel.readLink("module/vfio_pci_core/holders/test_vfio_pci") == "../../test_vfio_pci")
        #expect(kernel.deviceNodeExists("/dev/vfio/vfio"))
        #expect(kernel.deviceNodeExists("/dev/vfio/10"))

        try kernel.loadModule("vfio_pci")
        #expect(try kernel.list("module/vfio_pci_core/holders").map(\.name).sorted() == ["test_vfio_pci", "vfio_pci"])
        try kernel.loadModule("vfio_pci")  // loaded: nothing happens
        #expect(kernel.registeredDrivers.filter { $0 == .vfioPCI }.count == 1)
        #expect(kernel.moduleLoads.map(\.rawValue) == ["test_vfio_pci", "vfio_pci", "vfio_pci"])
    }

    @Test func modprobeSucceedsWhenTheProbeFails() throws {
        let kernel = KernelSimulator.standard()
        kernel.failProbe(driver: "test-vfio-pci", errno: ENODEV)
        try kernel.write(override, "test-vfio-pci")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        try kernel.loadModule("test_vfio_pci")
        #expect(kernel.isLoaded(SimVM.testVariantModule))
        #expect(kernel.driver(of: SimVM.e1000e) == nil)
    }

    @Test func unknownModulesAndFailedLoads() throws {
        let kernel = KernelSimulator.standard()
        let unknown = #expect(throws: VFIOError.self) { try kernel.loadModule("mlx5_vfio_pci") }
        #expect(unknown?.status == .notFound)
        kernel.failLoad(module: Fake.module("pci_stub"))
        #expect(throws: VFIOError.self) { try kernel.loadModule("pci_stub") }
        #expect(!kernel.isLoaded(Fake.module("pci_stub")))
        try kernel.loadModule("pcieport")  // built in: success
    }

    // MARK: VFIO users

    @Test func unbindingAHeldVFIODeviceIsRecordedAndRefused() throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        // e1000 on vfio-pci; rtl8139 and the bridge share its group (13).
        try kernel.write("bus/pci/devices/0000:05:01.0/driver_override", "vfio-pci")
        try kernel.write("bus/pci/drivers/e1000/unbind", "0000:05:01.0")
        try kernel.write("bus/pci/drivers/vfio-pci/bind", "0000:05:01.0")
        kernel.holdOpen(group: IOMMUGroup(13))

        #expect(kernel.writeErrno("bus/pci/drivers/vfio-pci/unbind", "0000:05:01.0") == EINTR)
        #expect(kernel.writeErrno("bus/pci/devices/0000:05:01.0/driver/unbind", "0000:05:01.0") == EINTR)
        #expect(kernel.blockedUnbinds == 2)
        #expect(kernel.driver(of: SimVM.e1000) == DriverName.vfioPCI)

        // Host drivers cannot take a member of the owned group back.
        try kernel.write("bus/pci/drivers/8139cp/unbind", "0000:05:02.0")
        #expect(kernel.writeErrno("bus/pci/drivers/8139cp/bind", "0000:05:02.0") == EBUSY)

        kernel.release(group: IOMMUGroup(13))
        try kernel.write("bus/pci/drivers/8139cp/bind", "0000:05:02.0")
        try kernel.write("bus/pci/drivers/vfio-pci/unbind", "0000:05:01.0")
        #expect(kernel.driver(of: SimVM.e1000) == nil)
        #expect(kernel.blockedUnbinds == 2)
    }

    // MARK: Fault injection and records

    @Test func injectedWriteFailuresHaveNoEffect() throws {
        let kernel = KernelSimulator.standard()
        kernel.failWrite(at: 2, errno: EIO)
        try kernel.write(override, "vfio-pci")
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/unbind", e1000e) == EIO)
        #expect(kernel.driver(of: SimVM.e1000e)?.rawValue == "e1000e")
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        #expect(kernel.driver(of: SimVM.e1000e) == nil)

        kernel.failNextWrite(toPathEndingWith: "/bind", errno: ENOMEM)
        #expect(kernel.writeErrno("bus/pci/drivers/e1000e/bind", e1000e) == ENOMEM)
        #expect(kernel.driver(of: SimVM.e1000e) == nil)

        #expect(kernel.writeCount == 4)
        let log = kernel.writes
        #expect(
            log.map(\.path) == [
                override, "bus/pci/drivers/e1000e/unbind", "bus/pci/drivers/e1000e/unbind",
                "bus/pci/drivers/e1000e/bind"
            ])
        #expect(log.map(\.errno) == [nil, EIO, nil, ENOMEM])
        #expect(log[0].value == "vfio-pci")
    }

    @Test func aWriteLongerThanAPageIsShortenedAndReportedAsEIO() throws {
        let kernel = KernelSimulator.standard()
        // The handler sees one page; bytes after the NUL do not count; LiveSysfs sees a short write.
        let padded = e1000e + String(repeating: "\0", count: 5000)
        try kernel.write("bus/pci/drivers/e1000e/unbind", e1000e)
        #expect(kernel.writeErrno("bus/pci/drivers_probe", padded) == EIO)
        #expect(kernel.driver(of: SimVM.e1000e)?.rawValue == "e1000e", "the effect happened")
    }

    @Test func concurrentUseIsSerialised() async throws {
        let kernel = KernelSimulator.standard()
        try kernel.loadModule("vfio_pci")
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for _ in 0..<25 {
                        if worker % 2 == 0 {
                            _ = try? kernel.inventory()
                        } else {
                            _ = kernel.writeErrno("bus/pci/devices/0000:00:05.0/driver_override", "vfio-pci")
                            _ = kernel.writeErrno("bus/pci/drivers_probe", "0000:00:05.0")
                            _ = kernel.writeErrno("bus/pci/drivers/vfio-pci/unbind", "0000:00:05.0")
                        }
                    }
                }
            }
        }
        #expect(kernel.writeCount == 150)
        #expect(kernel.writes.count == 150)
    }
}
