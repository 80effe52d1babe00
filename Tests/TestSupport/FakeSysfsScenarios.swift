import VFIOCore

/// Ready-made trees, by name (`vfioctl-fake-sysfs --scenario NAME OUTDIR`). Every scenario shares one
/// address plan, so a function has the same address, ids and IOMMU group wherever it appears:
///
/// | address | what | driver | group |
/// |---|---|---|---|
/// | 0000:00:00.0 | host bridge 8086:3e30 | none | 0 |
/// | 0000:00:01.0 | root port 8086:1901 | pcieport | 1 |
/// | 0000:01:00.0 / .1 | GPU 10de:1b80 (boot_vga=1) + HDMI audio 10de:10f0 | nouveau / snd_hda_intel | 2 |
/// | 0000:00:1c.0 | root port 8086:a338 | pcieport | 3 |
/// | 0000:02:00.0 | X710 PF 8086:1572, 12 of 64 VFs enabled | i40e | 4 |
/// | 0000:02:00.1 | X710 PF, no VFs | i40e | 5 |
/// | 0000:02:02.0 ... 0000:02:03.3 | VFs 8086:154c (virtfn0-11) | iavf x4, vfio-pci x6, none, vfio-pci | 40-51 |
/// | 0000:00:1c.4 | root port 8086:a33c | pcieport | 6 |
/// | 0000:03:00.0 | PCIe-to-PCI bridge 1b36:000e | none | 7 |
/// | 0000:04:01.0, 0000:04:02.0 | e1000 8086:100e, ES1370 1274:5000 behind it | e1000, snd_ens1370 | 7 |
/// | 0000:00:1f.0/.3/.4/.5 | multifunction chipset slot | lpc_ich, snd_hda_intel, i801_smbus, intel-spi | 8 |
/// | 0000:00:1c.6 | root port 8086:a33e | pcieport | 9 |
/// | 0000:09:00.0 | 82574L 8086:10d3, net enp9s0 up | e1000e | 10 |
/// | 0000:00:1b.4 | root port 8086:a32c | pcieport | 11 |
/// | 0000:0a:00.0 | card reader 10ec:525a | none | 12 |
/// | 0000:00:1d.0 | root port 8086:a330 | pcieport | 13 |
/// | 0000:05:00.0 | NVMe 144d:a808, nvme0n1, NUMA node 0 | nvme | 14 |
/// | 0000:00:1d.4 | root port 8086:a334 | pcieport | 15 |
/// | 0000:06:00.0 | NVMe 8086:0a54, multipath nvme1c1n1 + nvme1c1n2 | nvme | 16 |
/// | 0000:00:17.0 | AHCI 8086:a352, sda | ahci | 17 |
/// | 0000:00:1b.0 | root port 8086:a340 | pcieport | 18 |
/// | 0000:07:00.0 | I210 8086:1533, driver_override=vfio-pci | vfio-pci | 19 |
/// | 0000:00:14.0 | xHCI 8086:a36d (driver xhci_hcd, module xhci_pci) | xhci_hcd | 20 |
///
/// Broken scenarios add, on the root bus: 0000:00:02.0 (VGA 8086:3e92 on i915, group 21, whose
/// `driver` link is absolute and whose `iommu_group` link climbs out of the root), 0000:00:16.0 (MEI
/// 8086:a360 on mei_me, group 22, with `numa_node` and `driver_override` unreadable and
/// `subsystem_vendor` garbage), 0000:00:08.0 (8086:1911 with an unreadable `vendor`: skipped), a
/// dangling `bus/pci/devices/0000:00:03.0`, `bus/pci/devices/0000:00:04.0` climbing out of the root,
/// `bus/pci/devices/0000:00:05.0` absolute (to the real /sys), and the entries `README` (a file) and
/// `00:1c.6` (a valid link under a non-canonical name).
public enum FakeScenario: String, CaseIterable, Sendable {
    /// All the good parts together: what a busy workstation looks like.
    case workstation
    case gpuAudio = "gpu-audio"
    case sriovNIC = "sriov-nic"
    case pciePCIBridge = "pcie-pci-bridge"
    case multifunction
    case rootPort = "root-port"
    case noDriver = "no-driver"
    case nvme
    case nvmeMultipath = "nvme-multipath"
    case sata
    case driverOverride = "driver-override"
    case danglingLink = "dangling-link"
    case linkOutsideRoot = "link-outside-root"
    case unreadableAttribute = "unreadable-attribute"
    case nonAddressEntry = "non-address-entry"
    /// A directory that is not a sysfs tree at all (no `bus/pci/devices`).
    case notSysfs = "not-sysfs"
    /// Every broken case at once, next to a healthy root port and NIC.
    case broken

    public var summary: String {
        switch self {
        case .workstation: "every healthy part below in one tree"
        case .gpuAudio: "GPU + HDMI audio in one slot and group, boot_vga=1"
        case .sriovNIC: "X710 PF with 12 VFs (own groups, mixed drivers) and a second PF"
        case .pciePCIBridge: "PCIe-to-PCI bridge with two devices sharing its group"
        case .multifunction: "chipset slot 00:1f with four functions in one group"
        case .rootPort: "root port on pcieport with an e1000e NIC behind it"
        case .noDriver: "card reader with no driver bound"
        case .nvme: "NVMe controller with block device nvme0n1"
        case .nvmeMultipath: "NVMe with native multipath (nvme1c1n1, nvme1c1n2)"
        case .sata: "AHCI controller with disk sda"
        case .driverOverride: "I210 with driver_override=vfio-pci, bound to vfio-pci"
        case .danglingLink: "bus/pci/devices entry pointing at a missing directory"
        case .linkOutsideRoot: "links that leave the root (absolute, and climbing past it)"
        case .unreadableAttribute: "attributes that cannot be read or parsed"
        case .nonAddressEntry: "bus/pci/devices entries that are not canonical PCI addresses"
        case .notSysfs: "a directory without bus/pci/devices"
        case .broken: "every broken case at once"
        }
    }

    /// Healthy scenarios produce exactly `tree.expectedDevices` and no warnings.
    public var isHealthy: Bool {
        switch self {
        case .danglingLink, .linkOutsideRoot, .unreadableAttribute, .nonAddressEntry, .notSysfs, .broken: false
        default: true
        }
    }

    public var tree: FakeSysfs {
        var tree = FakeSysfs()
        tree.addPlatform()
        switch self {
        case .workstation:
            tree.addGPUAudio()
            tree.addSRIOVNIC()
            tree.addPCIePCIBridge()
            tree.addMultifunctionSlot()
            tree.addRootPortNIC()
            tree.addNoDriver()
            tree.addNVMe()
            tree.addNVMeMultipath()
            tree.addSATA()
            tree.addDriverOverride()
            tree.addUSB()
            tree.addDriver(DriverName.pciStub)
        case .gpuAudio: tree.addGPUAudio()
        case .sriovNIC: tree.addSRIOVNIC()
        case .pciePCIBridge: tree.addPCIePCIBridge()
        case .multifunction: tree.addMultifunctionSlot()
        case .rootPort: tree.addRootPortNIC()
        case .noDriver: tree.addNoDriver()
        case .nvme: tree.addNVMe()
        case .nvmeMultipath: tree.addNVMeMultipath()
        case .sata: tree.addSATA()
        case .driverOverride: tree.addDriverOverride()
        case .notSysfs: break
        case .danglingLink:
            tree.addRootPortNIC()
            tree.addDanglingLink()
        case .linkOutsideRoot:
            tree.addRootPortNIC()
            tree.addLinksOutsideRoot()
        case .unreadableAttribute:
            tree.addRootPortNIC()
            tree.addUnreadableAttributes()
        case .nonAddressEntry:
            tree.addRootPortNIC()
            tree.addNonAddressEntries()
        case .broken:
            tree.addRootPortNIC()
            tree.addDanglingLink()
            tree.addLinksOutsideRoot()
            tree.addUnreadableAttributes()
            tree.addNonAddressEntries()
        }
        return tree
    }

    /// Writes the scenario under `root` (the `--sysfs-root` to use).
    public func write(to root: String) throws {
        if self == .notSysfs {
            try FakeSysfs.writeNotSysfs(to: root)
        } else {
            try tree.write(to: root)
        }
    }
}

extension FakeSysfs {
    /// Host bridge 0000:00:00.0, group 0.
    public mutating func addPlatform() {
        add(.hostBridge("0000:00:00.0").group(0).numaNode(-1))
    }

    /// Root port 00:01.0 (group 1) with a GPU and its HDMI audio function in slot 01:00 (group 2).
    public mutating func addGPUAudio() {
        add(.rootPort("0000:00:01.0", device: 0x1901).group(1))
        add(
            FakePCIDevice("0000:01:00.0", 0x10DE, 0x1B80, FakeClass.vga, subsystem: (0x1458, 0x3702), revision: 0xA1)
                .behind("0000:00:01.0").driver("nouveau").group(2).bootVGA().multifunction()
                .drm(card: 0, render: 128).framebuffer(0))
        add(
            FakePCIDevice(
                "0000:01:00.1", 0x10DE, 0x10F0, FakeClass.hdAudio, subsystem: (0x1458, 0x3702), revision: 0xA1
            )
            .behind("0000:00:01.0").driver("snd_hda_intel").group(2).multifunction())
    }

    /// Root port 00:1c.0 (group 3), X710 PFs 02:00.0 (12 VFs) and 02:00.1 (none), VFs in groups 40-51.
    public mutating func addSRIOVNIC() {
        add(.rootPort("0000:00:1c.0", device: 0xA338).group(3))
        let vf = DeviceID(0x154C)
        add(
            FakePCIDevice(
                "0000:02:00.0", 0x8086, 0x1572, FakeClass.ethernet, subsystem: (0x8086, 0x0007), revision: 0x02
            )
            .behind("0000:00:1c.0").driver("i40e").group(4).multifunction()
            .sriov(totalVFs: 64, vfDevice: vf, offset: 16, stride: 1).network("enp2s0f0", operstate: "up"))
        add(
            FakePCIDevice(
                "0000:02:00.1", 0x8086, 0x1572, FakeClass.ethernet, subsystem: (0x8086, 0x0007), revision: 0x02
            )
            .behind("0000:00:1c.0").driver("i40e").group(5).multifunction()
            .sriov(totalVFs: 64, vfDevice: vf, offset: 79, stride: 1).network("enp2s0f1", operstate: "down"))
        addVirtualFunctions(of: Fake.address("0000:02:00.0"), count: 12) { i, vf in
            let vf = vf.group(40 + i)
            switch i {
            case 0..<4: return vf.driver("iavf").network("enp2s0f0v\(i)", operstate: "up")
            case 10: return vf
            default: return vf.driver(DriverName.vfioPCI)
            }
        }
    }

    /// Root port 00:1c.4 (group 6), PCIe-to-PCI bridge 03:00.0 and two conventional devices behind it,
    /// all three in group 7.
    public mutating func addPCIePCIBridge() {
        add(.rootPort("0000:00:1c.4", device: 0xA33C).group(6))
        add(
            FakePCIDevice("0000:03:00.0", 0x1B36, 0x000E, FakeClass.pciBridge, subsystem: (0x0000, 0x0000))
                .behind("0000:00:1c.4").role(.pcieToPCIBridge).group(7).enabled(true))
        add(
            FakePCIDevice(
                "0000:04:01.0", 0x8086, 0x100E, FakeClass.ethernet, subsystem: (0x8086, 0x001E), revision: 0x03
            )
            .behind("0000:03:00.0").driver("e1000").group(7).network("ens1", operstate: "up"))
        add(
            FakePCIDevice(
                "0000:04:02.0", 0x1274, 0x5000, FakeClass.multimediaAudio, subsystem: (0x4942, 0x4c4c),
                revision: 0x01
            )
            .behind("0000:03:00.0").driver("snd_ens1370").group(7))
    }

    /// Slot 00:1f with four functions sharing group 8.
    public mutating func addMultifunctionSlot() {
        let subsystem: (UInt16, UInt16) = (0x1043, 0x8694)
        add(
            FakePCIDevice("0000:00:1f.0", 0x8086, 0xA305, FakeClass.isaBridge, subsystem: subsystem, revision: 0x10)
                .driver("lpc_ich").group(8).multifunction())
        add(
            FakePCIDevice("0000:00:1f.3", 0x8086, 0xA348, FakeClass.hdAudio, subsystem: subsystem, revision: 0x10)
                .driver("snd_hda_intel").group(8).multifunction())
        add(
            FakePCIDevice("0000:00:1f.4", 0x8086, 0xA323, FakeClass.smbus, subsystem: subsystem, revision: 0x10)
                .driver("i801_smbus").group(8).multifunction())
        add(
            FakePCIDevice("0000:00:1f.5", 0x8086, 0xA324, FakeClass.serialBus, subsystem: subsystem, revision: 0x10)
                .driver("intel-spi").group(8).multifunction())
    }

    /// Root port 00:1c.6 (group 9) with an 82574L on e1000e behind it (group 10).
    public mutating func addRootPortNIC() {
        add(.rootPort("0000:00:1c.6", device: 0xA33E).group(9))
        add(
            FakePCIDevice("0000:09:00.0", 0x8086, 0x10D3, FakeClass.ethernet, subsystem: (0x8086, 0xA01F))
                .behind("0000:00:1c.6").driver("e1000e").group(10).network("enp9s0", operstate: "up"))
    }

    /// Root port 00:1b.4 (group 11) with a card reader and no driver (group 12).
    public mutating func addNoDriver() {
        add(.rootPort("0000:00:1b.4", device: 0xA32C).group(11))
        add(
            FakePCIDevice(
                "0000:0a:00.0", 0x10EC, 0x525A, FakeClass.unassigned, subsystem: (0x1028, 0x07E6), revision: 0x01
            )
            .behind("0000:00:1b.4").group(12))
    }

    /// Root port 00:1d.0 (group 13) with an NVMe controller (group 14, NUMA node 0).
    public mutating func addNVMe() {
        add(.rootPort("0000:00:1d.0", device: 0xA330).group(13))
        add(
            FakePCIDevice("0000:05:00.0", 0x144D, 0xA808, FakeClass.nvme, subsystem: (0x144D, 0xA801))
                .behind("0000:00:1d.0").driver("nvme").group(14).numaNode(0).nvme(controller: 0))
    }

    /// Root port 00:1d.4 (group 15) with a multipath NVMe controller (group 16).
    public mutating func addNVMeMultipath() {
        add(.rootPort("0000:00:1d.4", device: 0xA334).group(15))
        add(
            FakePCIDevice("0000:06:00.0", 0x8086, 0x0A54, FakeClass.nvme, subsystem: (0x8086, 0x4308))
                .behind("0000:00:1d.4").driver("nvme").group(16).nvme(
                    controller: 1, namespaces: [1, 2], multipath: true))
    }

    /// AHCI controller 00:17.0 (group 17) with disk sda.
    public mutating func addSATA() {
        add(
            FakePCIDevice(
                "0000:00:17.0", 0x8086, 0xA352, FakeClass.sataAHCI, subsystem: (0x1043, 0x8694), revision: 0x10
            )
            .driver("ahci").group(17).sata(port: 1, host: 0, disks: ["sda"]))
    }

    /// Root port 00:1b.0 (group 18) with an I210 whose driver_override is vfio-pci (group 19).
    public mutating func addDriverOverride() {
        add(.rootPort("0000:00:1b.0", device: 0xA340).group(18))
        add(
            FakePCIDevice(
                "0000:07:00.0", 0x8086, 0x1533, FakeClass.ethernet, subsystem: (0x8086, 0x0001), revision: 0x03
            )
            .behind("0000:00:1b.0").driver(DriverName.vfioPCI).driverOverride(DriverName.vfioPCI).group(19))
    }

    /// xHCI controller 00:14.0 (group 20): driver `xhci_hcd`, module `xhci_pci`.
    public mutating func addUSB() {
        add(
            FakePCIDevice(
                "0000:00:14.0", 0x8086, 0xA36D, FakeClass.usbXHCI, subsystem: (0x1043, 0x8694), revision: 0x10
            )
            .driver("xhci_hcd").group(20))
    }

    // MARK: Broken parts

    /// `bus/pci/devices/0000:00:03.0` -> a directory that does not exist.
    public mutating func addDanglingLink() {
        add(.danglingDeviceLink(Fake.address("0000:00:03.0")))
    }

    /// Links leaving the root: two `bus/pci/devices` entries (one climbing to `ROOT/../outside/...`, one
    /// absolute into the real /sys) and, on the healthy VGA device 00:02.0, an absolute `driver` link
    /// and an `iommu_group` link climbing one level past the root.
    public mutating func addLinksOutsideRoot() {
        add(
            FakePCIDevice("0000:00:02.0", 0x8086, 0x3E92, FakeClass.vga, subsystem: (0x1043, 0x8694))
                .driver("i915").group(21))
        add(.deviceLink(name: "0000:00:04.0", target: "../../../../outside/devices/pci0000:00/0000:00:04.0"))
        add(.deviceLink(name: "0000:00:05.0", target: "/sys/devices/pci0000:00/0000:00:00.0"))
        add(.deviceDirectoryLink(Fake.address("0000:00:02.0"), name: "driver", target: "/sys/bus/pci/drivers/i915"))
        add(
            .deviceDirectoryLink(
                Fake.address("0000:00:02.0"), name: "iommu_group",
                target: "../../../../kernel/iommu_groups/21"))
    }

    /// `FakeScenario.linkOutsideRoot` written to `base/sys`, with a complete, valid device at
    /// `base/outside`, where its escaping `bus/pci/devices/0000:00:04.0` link leads: a reader that
    /// followed the link would find it. Returns the tree's root.
    public static func writeLinkOutsideRootWithADeviceOutside(in base: String) throws -> String {
        var outside = FakeSysfs()
        outside.add(FakePCIDevice("0000:00:04.0", 0x8086, 0x10D3, FakeClass.ethernet).driver("e1000e").group(99))
        try outside.write(to: base + "/outside")
        let root = base + "/sys"
        try FakeScenario.linkOutsideRoot.write(to: root)
        return root
    }

    /// MEI 00:16.0 with `numa_node` and `driver_override` unreadable (directories) and
    /// `subsystem_vendor` garbage; 00:08.0 with an unreadable `vendor`, so it cannot be listed at all.
    public mutating func addUnreadableAttributes() {
        let mei = Fake.address("0000:00:16.0")
        add(
            FakePCIDevice(
                "0000:00:16.0", 0x8086, 0xA360, Fake.classCode(0x07_80_00), subsystem: (0x1043, 0x8694),
                revision: 0x30
            )
            .driver("mei_me").group(22))
        add(.unreadableAttribute(mei, attribute: "numa_node"))
        add(.unreadableAttribute(mei, attribute: "driver_override"))
        add(.attributeContents(mei, attribute: "subsystem_vendor", contents: "0xzzzz\n"))
        add(FakePCIDevice("0000:00:08.0", 0x8086, 0x1911, Fake.classCode(0x08_80_00)).group(23))
        add(.unreadableAttribute(Fake.address("0000:00:08.0"), attribute: "vendor"))
    }

    /// `bus/pci/devices/README` (a file) and `bus/pci/devices/00:1c.6` (a link to a real device under a
    /// non-canonical name). lspci refuses such trees; vfioctl warns and goes on.
    public mutating func addNonAddressEntries() {
        add(.nonAddressEntry(name: "README"))
        add(.deviceLink(name: "00:1c.6", target: "../../../devices/pci0000:00/0000:00:1c.6"))
    }
}
