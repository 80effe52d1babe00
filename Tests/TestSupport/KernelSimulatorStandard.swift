#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

extension KernelSimulator {
    /// The QEMU test VM of scripts/vm/run.sh (q35, intel-iommu, Debian 6.1), as the kernel sees it after
    /// coldplug. Group numbers follow the kernel's enumeration order (root bus first, then each bus):
    ///
    /// | address | device | driver | group |
    /// |---|---|---|---|
    /// | 0000:00:00.0 | q35 host bridge 8086:29c0 | — | 0 |
    /// | 0000:00:02.0 ... 0000:00:02.4 | PCIe root ports rp1-rp5 1b36:000c | pcieport | 1-5 |
    /// | 0000:00:03.0, 0000:00:04.0 | virtio-9p 1af4:1009 (the guest's root and I/O shares) | virtio-pci | 6, 7 |
    /// | 0000:00:05.0 | edu 1234:11e8 | — | 8 |
    /// | 0000:00:1f.0 / .2 / .3 | ICH9 LPC 8086:2918, AHCI 8086:2922, SMBus 8086:2930 | lpc_ich, ahci, i801_smbus | 9 |
    /// | 0000:01:00.0 | e1000e 8086:10d3 (behind rp1, net eth0) | e1000e | 10 |
    /// | 0000:02:00.0 | virtio-net 1af4:1041 (behind rp2, eth1) | virtio-pci | 11 |
    /// | 0000:03:00.0 | NVMe 1b36:0010, SR-IOV PF: 4 VFs 1b36:0010 at 03:00.1-.4 | nvme | 12 |
    /// | 0000:04:00.0 | pcie-pci-bridge 1b36:000e (behind rp4; pcieport rejects it) | — | 13 |
    /// | 0000:05:01.0 | e1000 8086:100e (eth2) | e1000 | 13 |
    /// | 0000:05:02.0 | rtl8139 10ec:8139 rev 20 (eth3) | 8139cp | 13 |
    /// | 0000:06:00.0 / .1 | virtio-net 1af4:1041 (eth4) + virtio-rng 1af4:1044, one slot behind rp5 | virtio-pci | 14 |
    ///
    /// VFs, when created, take the lowest free group numbers (15-18). Modules loaded: pcieport (built
    /// in), virtio_pci, lpc_ich, ahci, i2c_i801, e1000e, nvme, e1000, 8139cp. Available, not loaded:
    /// vfio, vfio_pci_core, vfio_pci (vfio-pci), pci_stub (pci-stub), test_vfio_pci (test-vfio-pci,
    /// override-only 8086:10d3; `failProbe(driver: "test-vfio-pci", errno: ENODEV)` is its `fail_probe`).
    public static func standard() -> KernelSimulator { Builder.standard().build() }

    /// Addresses of the standard machine.
    public enum Standard {
        public static let hostBridge = simAddress("0000:00:00.0")
        public static let rootPorts = (0...4).map { simAddress("0000:00:02.\($0)") }
        public static let ninePRoot = simAddress("0000:00:03.0")
        public static let ninePIO = simAddress("0000:00:04.0")
        public static let edu = simAddress("0000:00:05.0")
        public static let lpc = simAddress("0000:00:1f.0")
        public static let ahci = simAddress("0000:00:1f.2")
        public static let smbus = simAddress("0000:00:1f.3")
        public static let e1000e = simAddress("0000:01:00.0")
        public static let virtioNet = simAddress("0000:02:00.0")
        public static let nvme = simAddress("0000:03:00.0")
        /// VF `i` of the NVMe PF (0...3): 0000:03:00.(i+1).
        public static func nvmeVF(_ i: Int) -> PCIAddress { simAddress("0000:03:00.\(i + 1)") }
        public static let pciBridge = simAddress("0000:04:00.0")
        public static let e1000 = simAddress("0000:05:01.0")
        public static let rtl8139 = simAddress("0000:05:02.0")
        public static let multifunctionNet = simAddress("0000:06:00.0")
        public static let virtioRNG = simAddress("0000:06:00.1")

        public static let testVariantDriver = simDriver("test-vfio-pci")
        public static let testVariantModule = simModule("test_vfio_pci")
    }
}

extension KernelSimulator.Builder {
    /// The standard machine, to adjust before `build()`.
    public static func standard() -> KernelSimulator.Builder {
        typealias Spec = KernelSimulator.DeviceSpec
        let qemu: (UInt16, UInt16) = (0x1AF4, 0x1100)
        var b = KernelSimulator.Builder()

        b.add(Spec("0000:00:00.0", 0x8086, 0x29C0, class: 0x060000, subsystem: qemu).group(0))
        for i in 0...4 {
            b.add(
                Spec("0000:00:02.\(i)", 0x1B36, 0x000C, class: 0x060400, subsystem: (0, 0)).driver("pcieport").group(
                    1 + i))
        }
        b.add(
            Spec("0000:00:03.0", 0x1AF4, 0x1009, class: 0x000200, subsystem: (0x1AF4, 0x0009)).driver("virtio-pci")
                .group(6))
        b.add(
            Spec("0000:00:04.0", 0x1AF4, 0x1009, class: 0x000200, subsystem: (0x1AF4, 0x0009)).driver("virtio-pci")
                .group(7))
        b.add(Spec("0000:00:05.0", 0x1234, 0x11E8, class: 0x00FF00, subsystem: qemu, revision: 0x10).group(8))
        b.add(
            Spec("0000:00:1f.0", 0x8086, 0x2918, class: 0x060100, subsystem: qemu, revision: 0x02).driver("lpc_ich")
                .group(9))
        b.add(
            Spec("0000:00:1f.2", 0x8086, 0x2922, class: 0x010601, subsystem: qemu, revision: 0x02).driver("ahci").group(
                9))
        b.add(
            Spec("0000:00:1f.3", 0x8086, 0x2930, class: 0x0C0500, subsystem: qemu, revision: 0x02)
                .driver("i801_smbus").group(9))
        b.add(
            Spec("0000:01:00.0", 0x8086, 0x10D3, class: 0x020000, subsystem: (0x8086, 0x0000))
                .behind("0000:00:02.0").driver("e1000e").group(10).network("eth0", operstate: "down"))
        b.add(
            Spec("0000:02:00.0", 0x1AF4, 0x1041, class: 0x020000, subsystem: qemu, revision: 0x01)
                .behind("0000:00:02.1").driver("virtio-pci").group(11)
                .using(.virtioNetwork(index: 2, name: "eth1", operstate: "down")))
        b.add(
            Spec("0000:03:00.0", 0x1B36, 0x0010, class: 0x010802, subsystem: qemu, revision: 0x02)
                .behind("0000:00:02.2").driver("nvme").group(12)
                .sriov(totalVFs: 4, vfDevice: 0x0010, offset: 1, stride: 1)
                .using(.nvme(controller: 0, namespaces: [])))
        b.add(Spec("0000:04:00.0", 0x1B36, 0x000E, class: 0x060400, subsystem: (0, 0)).behind("0000:00:02.3").group(13))
        b.add(
            Spec("0000:05:01.0", 0x8086, 0x100E, class: 0x020000, subsystem: qemu, revision: 0x03)
                .behind("0000:04:00.0").driver("e1000").group(13).network("eth2", operstate: "down"))
        b.add(
            Spec("0000:05:02.0", 0x10EC, 0x8139, class: 0x020000, subsystem: qemu, revision: 0x20)
                .behind("0000:04:00.0").driver("8139cp").group(13).network("eth3", operstate: "down"))
        b.add(
            Spec("0000:06:00.0", 0x1AF4, 0x1041, class: 0x020000, subsystem: qemu, revision: 0x01)
                .behind("0000:00:02.4").driver("virtio-pci").group(14)
                .using(.virtioNetwork(index: 3, name: "eth4", operstate: "down")))
        b.add(
            Spec("0000:06:00.1", 0x1AF4, 0x1044, class: 0x00FF00, subsystem: qemu, revision: 0x01)
                .behind("0000:00:02.4").driver("virtio-pci").group(14))

        typealias Module = KernelSimulator.ModuleSpec
        b.add(
            Module(
                "pcieport", drivers: [KernelSimulator.DriverSpec(DriverName.pcieport, ids: [.classCode(0x060400)])],
                builtIn: true), loaded: true)
        b.add(.host("virtio_pci", driver: "virtio-pci", ids: [.vendor(0x1AF4)]), loaded: true)
        b.add(.host("lpc_ich", ids: [.device(0x8086, 0x2918)]), loaded: true)
        b.add(.host("ahci", ids: [.device(0x8086, 0x2922), .classCode(0x010601)]), loaded: true)
        b.add(.host("i2c_i801", driver: "i801_smbus", ids: [.device(0x8086, 0x2930)]), loaded: true)
        b.add(.host("e1000e", ids: [.device(0x8086, 0x10D3)]), loaded: true)
        b.add(.host("nvme", ids: [.device(0x1B36, 0x0010), .classCode(0x010802)], supportsSRIOV: true), loaded: true)
        b.add(.host("e1000", ids: [.device(0x8086, 0x100E)]), loaded: true)
        b.add(.host("8139cp", ids: [.device(0x10EC, 0x8139)]), loaded: true)
        b.add(.vfio, loaded: false)
        b.add(.vfioPCICore, loaded: false)
        b.add(.vfioPCI, loaded: false)
        b.add(.pciStub, loaded: false)
        b.add(.testVariant, loaded: false)

        // pcie_portdrv_probe only takes root ports and switch ports.
        b.failProbe(driver: DriverName.pcieport, device: KernelSimulator.Standard.pciBridge, errno: ENODEV)
        return b
    }
}
