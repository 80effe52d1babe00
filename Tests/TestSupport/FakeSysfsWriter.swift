import Glibc
import VFIOCore

extension FakeSysfs {
    /// Writes the tree under `root` (created if missing): `devices/`, `bus/pci/`, `kernel/iommu_groups/`,
    /// `module/`, `class/`, `block/`, in the kernel's formats. `root` is what `--sysfs-root` takes.
    public func write(to root: String) throws {
        var writer = try FakeSysfsWriter(tree: self, root: root)
        try writer.write()
    }

    /// Writes the tree into a fresh temporary directory, runs `body` with that root, then removes it.
    public func withRoot<R>(_ body: (String) throws -> R) throws -> R {
        try TemporaryDirectory.with(prefix: "vfioctl-fake-sysfs") { root in
            try write(to: root)
            return try body(root)
        }
    }

    /// A directory that exists but is not a sysfs tree: some files, and `bus` a regular file.
    public static func writeNotSysfs(to root: String) throws {
        var files = try TreeWriter(root: root)
        try files.file("README", "this is not /sys\n")
        try files.file("bus", "not a directory\n")
        try files.file("etc/hostname", "fake\n")
    }

    /// Where the kernel puts each function's directory (`devices/pci0000:00/0000:00:1c.0/0000:01:00.0`).
    public func canonicalPath(of address: PCIAddress) throws -> String {
        var seen: Set<PCIAddress> = []
        return try canonicalPath(of: address, seen: &seen)
    }

    private func canonicalPath(of address: PCIAddress, seen: inout Set<PCIAddress>) throws -> String {
        guard let device = self[address] else { throw FakeSysfsError("no device \(address) in the fake tree") }
        guard seen.insert(address).inserted else { throw FakeSysfsError("parent cycle through \(address)") }
        if let parent = device.parent {
            guard let bridge = self[parent] else {
                throw FakeSysfsError("\(address): parent \(parent) is not in the tree")
            }
            guard bridge.isBridge else { throw FakeSysfsError("\(address): parent \(parent) is not a bridge") }
            return try canonicalPath(of: parent, seen: &seen) + "/" + address.description
        }
        let anchor = device.physfn ?? address
        return Self.rootBusDirectory(domain: anchor.domain, bus: anchor.bus) + "/" + address.description
    }

    static func rootBusDirectory(domain: UInt32, bus: UInt8) -> String {
        "devices/pci\(lowerHex(domain, 4)):\(lowerHex(bus, 2))"
    }

    /// The PCIe role written into `config`, inferred when the device does not say.
    public func role(of device: FakePCIDevice) -> FakePCIeRole {
        if let role = device.role { return role }
        if let parentAddress = device.parent, let parent = self[parentAddress] {
            let parentRole = role(of: parent)
            if parentRole == .pcieToPCIBridge || parentRole == .conventional { return .conventional }
            if device.isBridge { return parentRole == .switchUpstream ? .switchDownstream : .switchUpstream }
            return .endpoint
        }
        if device.isBridge { return .rootPort }
        if device.classCode.baseClass == 0x06 { return .conventional }
        return .rootComplexIntegrated
    }

    /// Secondary and subordinate bus numbers of a bridge, from what sits behind it.
    public func busRange(of bridge: PCIAddress) -> (secondary: UInt8, subordinate: UInt8) {
        let children = devices.filter { $0.parent == bridge }
        let secondary = self[bridge]?.secondaryBus ?? children.map(\.address.bus).min() ?? (bridge.bus &+ 1)
        var subordinate = secondary
        var pending = children
        while let next = pending.popLast() {
            subordinate = max(subordinate, next.address.bus)
            if next.isBridge { pending += devices.filter { $0.parent == next.address } }
        }
        return (secondary, subordinate)
    }
}

/// `0x%0Nx`-style formatting without Foundation.
func lowerHex(_ value: some BinaryInteger, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

func upperHex(_ value: some BinaryInteger, _ width: Int) -> String { lowerHex(value, width).uppercased() }

/// The kernel's modalias, formatted here independently of VFIOCore so each checks the other.
func kernelModalias(_ d: FakePCIDevice) -> String {
    "pci:v\(upperHex(d.vendor.rawValue, 8))d\(upperHex(d.device.rawValue, 8))"
        + "sv\(upperHex(d.subsystemVendor.rawValue, 8))sd\(upperHex(d.subsystemDevice.rawValue, 8))"
        + "bc\(upperHex(d.classCode.baseClass, 2))sc\(upperHex(d.classCode.subclass, 2))i\(upperHex(d.classCode.interface, 2))"
}

struct FakeSysfsWriter {
    let tree: FakeSysfs
    var files: TreeWriter
    private var paths: [PCIAddress: String] = [:]
    /// uevent keys removed by oddities, per device.
    private var dropped: [PCIAddress: Set<String>] = [:]

    init(tree: FakeSysfs, root: String) throws {
        self.tree = tree
        self.files = try TreeWriter(root: root)
        for device in tree.devices {
            paths[device.address] = try tree.canonicalPath(of: device.address)
            if let pf = device.physfn {
                guard tree[pf]?.sriov != nil else {
                    throw FakeSysfsError("\(device.address): physfn \(pf) is not an SR-IOV physical function")
                }
            }
        }
    }

    mutating func write() throws {
        try writeBus()
        var rootBuses: Set<String> = []
        for (position, device) in tree.devices.enumerated() {
            let path = paths[device.address]!
            let rootBus = String(path.split(separator: "/").prefix(2).joined(separator: "/"))
            if rootBuses.insert(rootBus).inserted { try writeRootBus(rootBus) }
            try writeDevice(device, at: path, position: position)
        }
        try writeDrivers()
        try writeGroups()
        for oddity in tree.oddities { try apply(oddity) }
    }

    // MARK: bus/pci

    private mutating func writeBus() throws {
        try files.directory("bus/pci/devices")
        try files.directory("bus/pci/drivers")
        try files.directory("bus/pci/slots")
        try files.file("bus/pci/drivers_autoprobe", "1\n")
        try files.file("bus/pci/drivers_probe", "", mode: 0o200)
        try files.file("bus/pci/rescan", "", mode: 0o200)
        try files.file("bus/pci/resource_alignment", "\n")
        try files.file("bus/pci/uevent", "", mode: 0o200)
        try files.directory("kernel/iommu_groups")
        try files.directory("module")
    }

    /// `devices/pci0000:00` with its `pci_bus/0000:00`.
    private mutating func writeRootBus(_ path: String) throws {
        let name = path.dropFirst("devices/pci".count)
        try files.file(path + "/uevent", "")
        try files.file(path + "/power/control", "auto\n")
        try writePCIBus(path + "/pci_bus/" + name)
    }

    private mutating func writePCIBus(_ path: String) throws {
        try files.file(path + "/cpuaffinity", "ffffffff\n")
        try files.file(path + "/cpulistaffinity", "0-31\n")
        try files.file(path + "/rescan", "", mode: 0o200)
        try files.file(path + "/uevent", "")
    }

    // MARK: One device

    private mutating func writeDevice(_ d: FakePCIDevice, at dir: String, position: Int) throws {
        let role = tree.role(of: d)
        let enabled = d.enabled ?? (d.driver != nil)
        let bridgeBuses = d.isBridge ? tree.busRange(of: d.address) : nil
        let barStart: UInt64 = 0x60_0000_0000 + UInt64(position) * 0x10_0000
        let irq = d.physfn == nil ? 16 + position % 48 : 0

        try files.file(dir + "/vendor", "0x\(lowerHex(d.vendor.rawValue, 4))\n", mode: 0o444)
        try files.file(dir + "/device", "0x\(lowerHex(d.device.rawValue, 4))\n", mode: 0o444)
        try files.file(dir + "/subsystem_vendor", "0x\(lowerHex(d.subsystemVendor.rawValue, 4))\n", mode: 0o444)
        try files.file(dir + "/subsystem_device", "0x\(lowerHex(d.subsystemDevice.rawValue, 4))\n", mode: 0o444)
        try files.file(dir + "/class", "0x\(lowerHex(d.classCode.rawValue, 6))\n", mode: 0o444)
        try files.file(dir + "/revision", "0x\(lowerHex(d.revision.rawValue, 2))\n", mode: 0o444)
        try files.file(dir + "/modalias", kernelModalias(d) + "\n", mode: 0o444)
        try files.file(dir + "/driver_override", (d.driverOverride?.rawValue ?? "(null)") + "\n")
        try files.file(dir + "/numa_node", "\(d.numaNode)\n")
        try files.file(dir + "/enable", enabled ? "1\n" : "0\n")
        if d.isVGA { try files.file(dir + "/boot_vga", d.bootVGA ? "1\n" : "0\n", mode: 0o444) }
        try files.file(
            dir + "/config",
            bytes: configSpace(
                d, role: role, enabled: enabled, buses: bridgeBuses,
                barStart: barStart, irq: irq))
        try files.file(dir + "/uevent", uevent(d))
        try files.file(dir + "/irq", "\(irq)\n", mode: 0o444)
        try files.file(dir + "/local_cpus", "ffffffff\n", mode: 0o444)
        try files.file(dir + "/local_cpulist", "0-31\n", mode: 0o444)
        try files.file(dir + "/resource", resource(d, barStart: barStart), mode: 0o444)
        try files.file(dir + "/power_state", "D0\n", mode: 0o444)
        try files.file(dir + "/d3cold_allowed", "1\n")
        try files.file(dir + "/msi_bus", "1\n")
        try files.file(dir + "/broken_parity_status", "0\n")
        try files.file(dir + "/consistent_dma_mask_bits", "64\n", mode: 0o444)
        try files.file(dir + "/dma_mask_bits", "64\n", mode: 0o444)
        try files.file(dir + "/ari_enabled", "0\n", mode: 0o444)
        try files.file(dir + "/remove", "", mode: 0o220)
        try files.file(dir + "/rescan", "", mode: 0o200)
        if !d.isBridge {
            try files.file(dir + "/reset", "", mode: 0o200)
            try files.file(dir + "/reset_method", role == .conventional ? "bus\n" : "flr bus\n")
        }
        try files.file(dir + "/power/control", d.driver == nil ? "on\n" : "auto\n")
        try files.file(dir + "/power/runtime_status", "active\n", mode: 0o444)
        if role.portType != nil {
            try files.file(dir + "/current_link_speed", "8.0 GT/s PCIe\n", mode: 0o444)
            try files.file(dir + "/current_link_width", "4\n", mode: 0o444)
            try files.file(dir + "/max_link_speed", "8.0 GT/s PCIe\n", mode: 0o444)
            try files.file(dir + "/max_link_width", "4\n", mode: 0o444)
        }
        if let buses = bridgeBuses {
            try files.file(dir + "/secondary_bus_number", "\(buses.secondary)\n", mode: 0o444)
            try files.file(dir + "/subordinate_bus_number", "\(buses.subordinate)\n", mode: 0o444)
            try writePCIBus(dir + "/pci_bus/\(lowerHex(d.address.domain, 4)):\(lowerHex(buses.secondary, 2))")
        }

        try files.relativeLink(dir + "/subsystem", to: "bus/pci")
        try files.relativeLink("bus/pci/devices/\(d.address)", to: dir)
        if let driver = d.driver {
            try files.relativeLink(dir + "/driver", to: "bus/pci/drivers/\(driver)")
            try files.relativeLink("bus/pci/drivers/\(driver)/\(d.address)", to: dir)
        }
        if let group = d.iommuGroup {
            try files.relativeLink(dir + "/iommu_group", to: "kernel/iommu_groups/\(group)")
            try files.relativeLink("kernel/iommu_groups/\(group)/devices/\(d.address)", to: dir)
        }
        if let capability = d.sriov {
            let vfs = tree.virtualFunctions(of: d.address)
            try files.file(dir + "/sriov_numvfs", "\(capability.numVFsOverride ?? vfs.count)\n")
            try files.file(dir + "/sriov_totalvfs", "\(capability.totalVFs)\n", mode: 0o444)
            try files.file(dir + "/sriov_drivers_autoprobe", capability.driversAutoprobe ? "1\n" : "0\n")
            try files.file(dir + "/sriov_offset", "\(capability.offset)\n", mode: 0o444)
            try files.file(dir + "/sriov_stride", "\(capability.stride)\n", mode: 0o444)
            try files.file(
                dir + "/sriov_vf_device", "\(String(capability.vfDevice.rawValue, radix: 16))\n", mode: 0o444)
            for (n, vf) in vfs.enumerated() { try files.relativeLink(dir + "/virtfn\(n)", to: paths[vf]!) }
        }
        if let pf = d.physfn { try files.relativeLink(dir + "/physfn", to: paths[pf]!) }
        for use in d.hostUse { try writeHostUse(use, device: d, at: dir) }
    }

    /// What `cat uevent` shows for a PCI device: DRIVER= when bound, then pci_uevent's lines.
    /// `leaving` drops the keys an oddity made unavailable: a real kernel derives uevent and the
    /// attributes from the same data, so a tree with a broken `vendor` cannot have a good PCI_ID.
    private func uevent(_ d: FakePCIDevice, leaving dropped: Set<String> = []) -> String {
        var text = d.driver.map { "DRIVER=\($0)\n" } ?? ""
        text += "PCI_CLASS=\(String(d.classCode.rawValue, radix: 16).uppercased())\n"
        text += "PCI_ID=\(upperHex(d.vendor.rawValue, 4)):\(upperHex(d.device.rawValue, 4))\n"
        text += "PCI_SUBSYS_ID=\(upperHex(d.subsystemVendor.rawValue, 4)):\(upperHex(d.subsystemDevice.rawValue, 4))\n"
        text += "PCI_SLOT_NAME=\(d.address)\n"
        text += "MODALIAS=\(kernelModalias(d))\n"
        return text.split(separator: "\n").filter { line in
            !dropped.contains(String(line.prefix { $0 != "=" }))
        }.map { $0 + "\n" }.joined()
    }

    /// The uevent keys that carry an attribute's information.
    private static func ueventKeys(for attribute: String) -> Set<String> {
        switch attribute {
        case "vendor", "device": ["PCI_ID", "MODALIAS"]
        case "subsystem_vendor", "subsystem_device": ["PCI_SUBSYS_ID", "MODALIAS"]
        case "class": ["PCI_CLASS", "MODALIAS"]
        case "modalias": ["MODALIAS"]
        case "driver": ["DRIVER"]
        default: []
        }
    }

    /// Keeps the device's uevent consistent with a broken attribute.
    private mutating func dropFromUEvent(_ address: PCIAddress, attribute: String, at path: String) throws {
        let keys = Self.ueventKeys(for: attribute)
        guard !keys.isEmpty, let device = tree.devices.first(where: { $0.address == address }) else { return }
        dropped[address, default: []].formUnion(keys)
        files.remove(path + "/uevent")
        try files.file(path + "/uevent", uevent(device, leaving: dropped[address]!))
    }

    /// `resource`: one `start end flags` line per resource; 13 for an endpoint (BARs, ROM, SR-IOV BARs),
    /// 17 for a bridge (plus its windows). BAR0 is a 16 KiB 64-bit memory BAR on endpoints.
    private func resource(_ d: FakePCIDevice, barStart: UInt64) -> String {
        let zero = "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
        let count = d.isBridge ? 17 : 13
        guard !d.isBridge else { return String(repeating: zero, count: count) }
        let bar0 =
            "0x\(lowerHex(barStart, 16)) 0x\(lowerHex(barStart + 0x3FFF, 16)) 0x\(lowerHex(0x14_0204 as UInt64, 16))\n"
        return bar0 + String(repeating: zero, count: count - 1)
    }

    /// A 256-byte configuration space consistent with the attributes: ids, class, revision, header type
    /// (0 endpoint, 1 PCI-to-PCI bridge, 2 CardBus; bit 7 multifunction), subsystem ids (type 0), bus
    /// numbers (type 1), BAR0, and a PCI Express capability at 0x40 for PCIe functions.
    func configSpace(
        _ d: FakePCIDevice, role: FakePCIeRole, enabled: Bool,
        buses: (secondary: UInt8, subordinate: UInt8)?, barStart: UInt64, irq: Int
    ) -> [UInt8] {
        var c = [UInt8](repeating: 0, count: 256)
        func le16(_ offset: Int, _ value: UInt16) {
            c[offset] = UInt8(value & 0xFF)
            c[offset + 1] = UInt8(value >> 8)
        }
        func le32(_ offset: Int, _ value: UInt32) {
            le16(offset, UInt16(value & 0xFFFF))
            le16(offset + 2, UInt16(value >> 16))
        }
        let headerType: UInt8 =
            switch d.classCode.classAndSubclass {
            case 0x0604, 0x0609: 1
            case 0x0607: 2
            default: 0
            }
        le16(0x00, d.vendor.rawValue)
        le16(0x02, d.device.rawValue)
        le16(0x04, enabled ? 0x0006 : 0x0000)  // memory space + bus master
        le16(0x06, role.portType == nil ? 0x0000 : 0x0010)  // capabilities list
        c[0x08] = d.revision.rawValue
        c[0x09] = d.classCode.interface
        c[0x0A] = d.classCode.subclass
        c[0x0B] = d.classCode.baseClass
        c[0x0C] = 0x10
        c[0x0E] = headerType | (d.multifunction ? 0x80 : 0)
        switch headerType {
        case 0:
            le32(0x10, UInt32(truncatingIfNeeded: barStart) | 0x4)  // 64-bit memory BAR
            le32(0x14, UInt32(truncatingIfNeeded: barStart >> 32))
            le16(0x2C, d.subsystemVendor.rawValue)
            le16(0x2E, d.subsystemDevice.rawValue)
            c[0x3D] = d.physfn == nil ? 1 : 0  // INTA; VFs have no INTx
        case 1:
            c[0x18] = d.address.bus
            c[0x19] = buses?.secondary ?? 0
            c[0x1A] = buses?.subordinate ?? 0
            c[0x1C] = 0xF0  // I/O, memory and prefetchable windows closed (base above limit)
            le16(0x20, 0xFFF0)
            le16(0x24, 0xFFF1)
            le16(0x26, 0x0001)
            c[0x3D] = 1
        default:
            break
        }
        c[0x3C] = UInt8(truncatingIfNeeded: irq)
        if let portType = role.portType {
            c[0x34] = 0x40
            c[0x40] = 0x10  // PCI Express capability, last in the list
            c[0x41] = 0x00
            let slot: UInt16 = (role == .rootPort || role == .switchDownstream) ? 0x0100 : 0
            le16(0x42, 0x0002 | UInt16(portType) << 4 | slot)
            le16(0x4C, 0x0043)  // link capabilities: 8 GT/s, x4
            le16(0x52, 0x0043)  // link status: 8 GT/s, x4
        }
        return c
    }

    // MARK: Host use

    private mutating func writeHostUse(_ use: FakeHostUse, device d: FakePCIDevice, at dir: String) throws {
        switch use {
        case .network(let name, let operstate):
            try writeNetwork(dir + "/net/" + name, name: name, operstate: operstate)
        case .virtioNetwork(let index, let name, let operstate):
            let virtio = dir + "/virtio\(index)"
            try files.file(virtio + "/vendor", "0x1af4\n", mode: 0o444)
            try files.file(virtio + "/device", "0x0001\n", mode: 0o444)
            try files.file(virtio + "/status", "0x0000000f\n", mode: 0o444)
            try files.file(virtio + "/modalias", "virtio:d00000001v00001AF4\n", mode: 0o444)
            try writeNetwork(virtio + "/net/" + name, name: name, operstate: operstate)
        case .nvme(let controller, let namespaces, let multipath):
            let ctrl = dir + "/nvme/nvme\(controller)"
            try files.file(ctrl + "/address", "\(d.address)\n", mode: 0o444)
            try files.file(ctrl + "/transport", "pcie\n", mode: 0o444)
            try files.file(ctrl + "/state", "live\n", mode: 0o444)
            try files.file(ctrl + "/model", "Fake NVMe SSD\n", mode: 0o444)
            try files.file(ctrl + "/serial", "FAKE\(controller)\n", mode: 0o444)
            try files.file(ctrl + "/dev", "241:\(controller)\n", mode: 0o444)
            try files.relativeLink("class/nvme/nvme\(controller)", to: ctrl)
            let subsystem = "devices/virtual/nvme-subsystem/nvme-subsys\(controller)"
            if multipath {
                try files.file(subsystem + "/subsysnqn", "nqn.2014.08.org.nvmexpress:fake\(controller)\n", mode: 0o444)
                try files.relativeLink(subsystem + "/nvme\(controller)", to: ctrl)
                try files.relativeLink("class/nvme-subsystem/nvme-subsys\(controller)", to: subsystem)
            }
            for ns in namespaces {
                let block = "nvme\(controller)n\(ns)"
                let blockPath: String
                if multipath {
                    let hidden = ctrl + "/nvme\(controller)c\(controller)n\(ns)"
                    try files.file(hidden + "/size", "1953525168\n", mode: 0o444)
                    try files.file(hidden + "/dev", "259:\(ns * 2 + 1)\n", mode: 0o444)
                    blockPath = subsystem + "/" + block
                } else {
                    blockPath = ctrl + "/" + block
                }
                try files.file(blockPath + "/size", "1953525168\n", mode: 0o444)
                try files.file(blockPath + "/dev", "259:\(ns * 2)\n", mode: 0o444)
                try files.file(blockPath + "/ro", "0\n", mode: 0o444)
                try files.file(blockPath + "/\(block)p1/partition", "1\n", mode: 0o444)
                try files.relativeLink("block/" + block, to: blockPath)
                try files.relativeLink("class/block/" + block, to: blockPath)
            }
        case .sata(let port, let host, let disks):
            for (i, disk) in disks.enumerated() {
                let ata = dir + "/ata\(port + i)"
                let h = host + i
                try files.file(ata + "/ata_port/ata\(port + i)/port_no", "\(port + i)\n", mode: 0o444)
                try files.directory(ata + "/link\(port + i)/dev\(port + i).0")
                let scsi = ata + "/host\(h)/target\(h):0:0/\(h):0:0:0"
                try files.file(ata + "/host\(h)/scsi_host/host\(h)/proc_name", "ahci\n", mode: 0o444)
                try files.file(scsi + "/model", "FAKE SATA DISK  \n", mode: 0o444)
                try files.file(scsi + "/vendor", "ATA     \n", mode: 0o444)
                let blockPath = scsi + "/block/" + disk
                try files.file(blockPath + "/size", "976773168\n", mode: 0o444)
                try files.file(blockPath + "/dev", "8:\(i * 16)\n", mode: 0o444)
                try files.file(blockPath + "/\(disk)1/partition", "1\n", mode: 0o444)
                try files.relativeLink("block/" + disk, to: blockPath)
                try files.relativeLink("class/block/" + disk, to: blockPath)
            }
        case .drm(let card, let render):
            let cardPath = dir + "/drm/card\(card)"
            try files.file(cardPath + "/dev", "226:\(card)\n", mode: 0o444)
            try files.file(cardPath + "/card\(card)-HDMI-A-1/status", "connected\n", mode: 0o444)
            try files.relativeLink("class/drm/card\(card)", to: cardPath)
            if let render {
                let renderPath = dir + "/drm/renderD\(render)"
                try files.file(renderPath + "/dev", "226:\(render)\n", mode: 0o444)
                try files.relativeLink("class/drm/renderD\(render)", to: renderPath)
            }
        case .framebuffer(let n):
            let fb = dir + "/graphics/fb\(n)"
            try files.file(fb + "/name", "fakedrmfb\n", mode: 0o444)
            try files.file(fb + "/dev", "29:\(n)\n", mode: 0o444)
            try files.relativeLink("class/graphics/fb\(n)", to: fb)
        }
    }

    private mutating func writeNetwork(_ path: String, name: String, operstate: String) throws {
        try files.file(path + "/operstate", operstate + "\n", mode: 0o444)
        try files.file(path + "/carrier", operstate == "up" ? "1\n" : "0\n", mode: 0o444)
        try files.file(path + "/address", "52:54:00:12:34:56\n", mode: 0o444)
        try files.file(path + "/mtu", "1500\n")
        try files.file(path + "/type", "1\n", mode: 0o444)
        try files.file(path + "/uevent", "INTERFACE=\(name)\n")
        try files.relativeLink("class/net/" + name, to: path)
    }

    // MARK: Drivers, modules, groups

    private mutating func writeDrivers() throws {
        for driver in tree.drivers {
            let dir = "bus/pci/drivers/\(driver.name)"
            for name in ["bind", "unbind", "new_id", "remove_id", "uevent"] {
                try files.file(dir + "/" + name, "", mode: 0o200)
            }
            if let module = driver.module {
                try files.relativeLink(dir + "/module", to: "module/\(module)")
                try files.file("module/\(module)/initstate", "live\n", mode: 0o444)
                try files.file("module/\(module)/refcnt", "0\n", mode: 0o444)
                try files.relativeLink("module/\(module)/drivers/pci:\(driver.name)", to: dir)
            }
        }
    }

    private mutating func writeGroups() throws {
        let groups = Set(tree.devices.compactMap(\.iommuGroup))
        for group in groups {
            let dir = "kernel/iommu_groups/\(group)"
            try files.file(dir + "/type", "DMA\n")
            try files.file(dir + "/reserved_regions", "0x00000000fee00000 0x00000000feefffff msi\n", mode: 0o444)
        }
    }

    // MARK: Oddities

    private mutating func apply(_ oddity: FakeOddity) throws {
        func devicePath(_ address: PCIAddress) throws -> String {
            guard let path = paths[address] else {
                throw FakeSysfsError("oddity for \(address), which is not in the tree")
            }
            return path
        }
        switch oddity {
        case .deviceLink(let name, let target):
            files.remove("bus/pci/devices/" + name)
            try files.link("bus/pci/devices/" + name, target: target)
        case .danglingDeviceLink(let address):
            files.remove("bus/pci/devices/\(address)")
            try files.relativeLink(
                "bus/pci/devices/\(address)",
                to: FakeSysfs.rootBusDirectory(domain: address.domain, bus: address.bus) + "/\(address)")
        case .nonAddressEntry(let name):
            files.remove("bus/pci/devices/" + name)
            try files.file("bus/pci/devices/" + name, "not a device\n")
        case .unreadableAttribute(let address, let attribute):
            let path = try devicePath(address) + "/" + attribute
            files.remove(path)
            try files.directory(path)
            try dropFromUEvent(address, attribute: attribute, at: devicePath(address))
        case .attributeContents(let address, let attribute, let contents):
            let path = try devicePath(address) + "/" + attribute
            files.remove(path)
            try files.file(path, contents)
            try dropFromUEvent(address, attribute: attribute, at: devicePath(address))
        case .missingAttribute(let address, let attribute):
            files.remove(try devicePath(address) + "/" + attribute)
            try dropFromUEvent(address, attribute: attribute, at: devicePath(address))
        case .deviceDirectoryLink(let address, let name, let target):
            let path = try devicePath(address) + "/" + name
            files.remove(path)
            try files.link(path, target: target)
            try dropFromUEvent(address, attribute: name, at: devicePath(address))
        }
    }
}
