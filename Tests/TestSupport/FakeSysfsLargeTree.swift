import VFIOCore

extension FakeSysfs {
    /// A tree of exactly `count` functions (at least 1), deterministic, shaped like a large server:
    /// several PCI domains, each a host bridge plus root ports; behind the ports a repeating mix of
    /// SR-IOV NICs with VFs (own groups, iavf / vfio-pci / unbound), NVMe drives, GPUs with HDMI audio,
    /// PCIe switches with NVMe behind each downstream port, PCIe-to-PCI bridges with two devices sharing
    /// a group, devices held by vfio-pci through driver_override, and devices with no driver. The first
    /// domain also has a chipset (AHCI with a disk, xHCI, a multifunction slot in one group).
    ///
    /// Functions are added parents first and the tree is cut at `count`, so every parent and PF exists.
    public static func makeLargeTree(count: Int) -> FakeSysfs {
        var builder = LargeTreeBuilder(limit: max(1, count))
        builder.build()
        return builder.tree
    }
}

private struct LargeTreeBuilder {
    let limit: Int
    var tree = FakeSysfs()
    var domain: UInt32 = 0
    var nextBus = 1
    /// Root-port slots left on the current root bus: device 0x01-0x13, functions 0-7.
    var nextPortSlot = 0
    var group = 0
    var nvmeController = 0
    var drmCard = 0
    var unit = 0

    init(limit: Int) { self.limit = limit }

    var full: Bool { tree.devices.count >= limit }

    mutating func nextGroup() -> Int {
        defer { group += 1 }
        return group
    }

    mutating func add(_ device: FakePCIDevice) {
        guard !full else { return }
        tree.add(device)
    }

    func address(_ bus: Int, _ device: Int, _ function: Int) -> PCIAddress {
        PCIAddress(domain: domain, bus: UInt8(bus), device: UInt8(device), function: UInt8(function))!
    }

    /// NUMA node: domains alternate between two sockets.
    var node: Int { Int(domain % 2) }

    mutating func build() {
        startDomain()
        addChipset()
        let kinds: [(inout LargeTreeBuilder) -> Void] = [
            { $0.addSRIOVNIC() }, { $0.addNVMe() }, { $0.addGPU() }, { $0.addSwitch() }, { $0.addNVMe() },
            { $0.addPCIBridge() }, { $0.addPassthrough() }, { $0.addNoDriver() }, { $0.addNIC() }
        ]
        while !full {
            kinds[unit % kinds.count](&self)
            unit += 1
        }
    }

    mutating func startDomain() {
        nextBus = 1
        nextPortSlot = 0
        add(
            FakePCIDevice(
                address(0, 0, 0), vendor: VendorID(0x8086), device: DeviceID(0x09A2), class: FakeClass.hostBridge
            )
            .role(.conventional).group(nextGroup()).numaNode(node))
    }

    /// A root port with `buses` bus numbers behind it; moves to the next domain when this one is full.
    mutating func rootPort(buses: Int) -> (port: PCIAddress, bus: Int) {
        if nextBus + buses > 0xFF || nextPortSlot >= 19 * 8 {
            domain += 1
            startDomain()
        }
        let port = address(0, 1 + nextPortSlot / 8, nextPortSlot % 8)
        nextPortSlot += 1
        let bus = nextBus
        nextBus += buses
        add(
            FakePCIDevice(
                port, vendor: VendorID(0x8086), device: DeviceID(0x347A), class: FakeClass.pciBridge,
                subsystem: (VendorID(0), DeviceID(0)), revision: Revision(0x04)
            )
            .role(.rootPort).driver(DriverName.pcieport).group(nextGroup()).numaNode(node)
            .multifunction(true).secondaryBus(UInt8(bus)))
        return (port, bus)
    }

    mutating func addChipset() {
        let ahci = address(0, 0x17, 0)
        add(
            FakePCIDevice(ahci, vendor: VendorID(0x8086), device: DeviceID(0xA352), class: FakeClass.sataAHCI)
                .driver("ahci").group(nextGroup()).sata(port: 1, host: 0, disks: ["sda"]))
        add(
            FakePCIDevice(
                address(0, 0x14, 0), vendor: VendorID(0x8086), device: DeviceID(0xA36D), class: FakeClass.usbXHCI
            )
            .driver("xhci_hcd").group(nextGroup()))
        let chipsetGroup = nextGroup()
        for (function, id, classCode, driver) in [
            (0, 0xA305, FakeClass.isaBridge, "lpc_ich"), (3, 0xA348, FakeClass.hdAudio, "snd_hda_intel"),
            (4, 0xA323, FakeClass.smbus, "i801_smbus"), (5, 0xA324, FakeClass.serialBus, "intel-spi")
        ] as [(Int, UInt16, ClassCode, String)] {
            add(
                FakePCIDevice(
                    address(0, 0x1F, function), vendor: VendorID(0x8086), device: DeviceID(id), class: classCode
                )
                .driver(driver).group(chipsetGroup).multifunction())
        }
    }

    /// E810-style dual-port NIC: two PFs on ice, 16 VFs each (own groups), VFs on iavf, vfio-pci or none.
    mutating func addSRIOVNIC() {
        let (port, bus) = rootPort(buses: 1)
        for function in 0..<2 {
            let pf = address(bus, 0, function)
            add(
                FakePCIDevice(
                    pf, vendor: VendorID(0x8086), device: DeviceID(0x1593), class: FakeClass.ethernet,
                    subsystem: (VendorID(0x8086), DeviceID(0x0002)), revision: Revision(0x02)
                )
                .behind(port).driver("ice").group(nextGroup()).numaNode(node).multifunction()
                .sriov(totalVFs: 128, vfDevice: DeviceID(0x1889), offset: 16 + function * 15, stride: 1)
                .network("enp\(bus)s0f\(function)np\(function)", operstate: function == 0 ? "up" : "down"))
        }
        for function in 0..<2 where !full {
            let pf = address(bus, 0, function)
            guard tree[pf] != nil else { break }
            let vfs = min(16, limit - tree.devices.count)
            var groups: [Int] = []
            for _ in 0..<vfs { groups.append(nextGroup()) }
            tree.addVirtualFunctions(of: pf, count: vfs) { i, vf in
                let vf = vf.group(groups[i])
                switch (i + function) % 4 {
                case 0, 1: return vf.driver("iavf").network("enp\(bus)s0f\(function)v\(i)", operstate: "up")
                case 2: return vf.driver(DriverName.vfioPCI)
                default: return vf
                }
            }
        }
    }

    mutating func addNVMe() {
        let (port, bus) = rootPort(buses: 1)
        addNVMeController(nvme(at: address(bus, 0, 0), behind: port))
    }

    func nvme(at address: PCIAddress, behind port: PCIAddress) -> FakePCIDevice {
        FakePCIDevice(
            address, vendor: VendorID(0x144D), device: DeviceID(0xA80A), class: FakeClass.nvme,
            subsystem: (VendorID(0x144D), DeviceID(0xA801))
        )
        .behind(port).driver("nvme").numaNode(node)
    }

    mutating func addNVMeController(_ device: FakePCIDevice) {
        guard !full else { return }
        add(device.group(nextGroup()).nvme(controller: nvmeController, multipath: nvmeController % 5 == 4))
        nvmeController += 1
    }

    mutating func addGPU() {
        let (port, bus) = rootPort(buses: 1)
        let slotGroup = nextGroup()
        let vendor: (VendorID, DeviceID, DeviceID, DriverName) =
            unit % 2 == 0
            ? (VendorID(0x10DE), DeviceID(0x2204), DeviceID(0x1AEF), Fake.driver("nouveau"))
            : (VendorID(0x1002), DeviceID(0x73BF), DeviceID(0xAB28), Fake.driver("amdgpu"))
        add(
            FakePCIDevice(
                address(bus, 0, 0), vendor: vendor.0, device: vendor.1, class: FakeClass.vga,
                revision: Revision(0xA1)
            )
            .behind(port).driver(vendor.3).group(slotGroup).numaNode(node).multifunction().bootVGA(drmCard == 0)
            .drm(card: drmCard, render: 128 + drmCard))
        add(
            FakePCIDevice(
                address(bus, 0, 1), vendor: vendor.0, device: vendor.2, class: FakeClass.hdAudio,
                revision: Revision(0xA1)
            )
            .behind(port).driver("snd_hda_intel").group(slotGroup).numaNode(node).multifunction())
        drmCard += 1
    }

    /// Upstream port, four downstream ports, an NVMe behind each: buses B (upstream link), B+1 (internal),
    /// B+2...B+5.
    mutating func addSwitch() {
        let (port, bus) = rootPort(buses: 6)
        let upstream = address(bus, 0, 0)
        add(
            FakePCIDevice(
                upstream, vendor: VendorID(0x10B5), device: DeviceID(0x8747), class: FakeClass.pciBridge,
                subsystem: (VendorID(0), DeviceID(0)), revision: Revision(0xCA)
            )
            .behind(port).role(.switchUpstream).driver(DriverName.pcieport).group(nextGroup()).numaNode(node))
        for n in 0..<4 {
            let downstream = address(bus + 1, n, 0)
            add(
                FakePCIDevice(
                    downstream, vendor: VendorID(0x10B5), device: DeviceID(0x8747), class: FakeClass.pciBridge,
                    subsystem: (VendorID(0), DeviceID(0)), revision: Revision(0xCA)
                )
                .behind(upstream).role(.switchDownstream).driver(DriverName.pcieport).group(nextGroup()).numaNode(node)
                .secondaryBus(UInt8(bus + 2 + n)))
            addNVMeController(nvme(at: address(bus + 2 + n, 0, 0), behind: downstream))
        }
    }

    /// PCIe-to-PCI bridge and two conventional devices, all in the bridge's group.
    mutating func addPCIBridge() {
        let (port, bus) = rootPort(buses: 2)
        let bridge = address(bus, 0, 0)
        let shared = nextGroup()
        add(
            FakePCIDevice(
                bridge, vendor: VendorID(0x1B36), device: DeviceID(0x000E), class: FakeClass.pciBridge,
                subsystem: (VendorID(0), DeviceID(0))
            )
            .behind(port).role(.pcieToPCIBridge).group(shared).numaNode(node).enabled(true))
        add(
            FakePCIDevice(
                address(bus + 1, 1, 0), vendor: VendorID(0x8086), device: DeviceID(0x100E), class: FakeClass.ethernet
            )
            .behind(bridge).driver("e1000").group(shared).numaNode(node).network("ens\(bus)p1", operstate: "down"))
        add(
            FakePCIDevice(
                address(bus + 1, 2, 0), vendor: VendorID(0x1274), device: DeviceID(0x5000),
                class: FakeClass.multimediaAudio
            )
            .behind(bridge).group(shared).numaNode(node))
    }

    /// A NIC and an NVMe held for a guest: vfio-pci bound through driver_override.
    mutating func addPassthrough() {
        let (port, bus) = rootPort(buses: 1)
        add(
            FakePCIDevice(
                address(bus, 0, 0), vendor: VendorID(0x8086), device: DeviceID(0x1533), class: FakeClass.ethernet,
                revision: Revision(0x03)
            )
            .behind(port).driver(DriverName.vfioPCI).driverOverride(DriverName.vfioPCI).group(nextGroup()).numaNode(
                node))
    }

    mutating func addNoDriver() {
        let (port, bus) = rootPort(buses: 1)
        add(
            FakePCIDevice(
                address(bus, 0, 0), vendor: VendorID(0x10EC), device: DeviceID(0x525A), class: FakeClass.unassigned,
                revision: Revision(0x01)
            )
            .behind(port).group(nextGroup()).numaNode(node))
    }

    /// A plain NIC without SR-IOV on e1000e.
    mutating func addNIC() {
        let (port, bus) = rootPort(buses: 1)
        add(
            FakePCIDevice(
                address(bus, 0, 0), vendor: VendorID(0x8086), device: DeviceID(0x10D3), class: FakeClass.ethernet,
                subsystem: (VendorID(0x8086), DeviceID(0xA01F))
            )
            .behind(port).driver("e1000e").group(nextGroup()).numaNode(node).network("enp\(bus)s0", operstate: "up"))
    }
}
