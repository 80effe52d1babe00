import VFIOCore

/// Devices and on-disk fake roots for the Safety tests. Typos in fixture literals trap: they are test bugs.
public enum SafetyFixture {
    public static func address(_ text: String) -> PCIAddress {
        guard let address = PCIAddress(text) else { preconditionFailure("fixture: bad PCI address \(text)") }
        return address
    }

    public static func device(
        _ address: String, class classCode: UInt32 = 0x02_00_00, driver: String? = "e1000e",
        group: Int? = nil, bootVGA: Bool = false, sriov: SRIOVState = SRIOVState(),
        hostUse: HostUse = HostUse()
    ) -> PCIDevice {
        guard let code = ClassCode(classCode) else { preconditionFailure("fixture: bad class \(classCode)") }
        let identity = PCIIdentity(
            vendor: VendorID(0x8086), device: DeviceID(0x10D3), subsystemVendor: VendorID(0x8086),
            subsystemDevice: DeviceID(0xA01F), classCode: code)
        return PCIDevice(
            address: self.address(address), identity: identity, driver: driver.flatMap { DriverName($0) },
            iommuGroup: group.map(IOMMUGroup.init), bootVGA: bootVGA, sriov: sriov, hostUse: hostUse)
    }

    public static func nic(_ interface: String, operstate: String? = "up") -> PCIDevice {
        device("0000:01:00.0", hostUse: HostUse(networkInterfaces: [.init(name: interface, operstate: operstate)]))
    }

    public static func nvme(_ disks: [String] = ["nvme0n1"], driver: String = "nvme", group: Int? = nil) -> PCIDevice {
        device("0000:02:00.0", class: 0x01_08_02, driver: driver, group: group, hostUse: HostUse(blockDevices: disks))
    }

    public static func gpu(_ nodes: [String] = ["card0", "fb0", "renderD128"], bootVGA: Bool = false) -> PCIDevice {
        device(
            "0000:03:00.0", class: 0x03_00_00, driver: "amdgpu", bootVGA: bootVGA, hostUse: HostUse(displayNodes: nodes)
        )
    }

    public static func number(_ text: String) -> DeviceNumber {
        guard let number = DeviceNumber(text) else { preconditionFailure("fixture: bad device number \(text)") }
        return number
    }

    /// A typical NVMe root disk: p1 EFI, p2 /boot, p3 an LVM PV holding vg0-root (dm-0) and vg0-swap (dm-1).
    public static let lvmDisk: [String: HostState.BlockDevice] = [
        "nvme0n1": .init(name: "nvme0n1", device: number("259:0"), partitions: ["nvme0n1p1", "nvme0n1p2", "nvme0n1p3"]),
        "nvme0n1p1": .init(name: "nvme0n1p1", device: number("259:1")),
        "nvme0n1p2": .init(name: "nvme0n1p2", device: number("259:2")),
        "nvme0n1p3": .init(name: "nvme0n1p3", device: number("259:3"), holders: ["dm-0", "dm-1"]),
        "dm-0": .init(name: "dm-0", device: number("253:0"), dmName: "vg0-root"),
        "dm-1": .init(name: "dm-1", device: number("253:1"), dmName: "vg0-swap")
    ]

    /// nv-procfs.c's layout (`Device Minor: \t %u`).
    public static func nvidiaInformation(minor: String, address: String = "0000:01:00.0") -> String {
        "Model: \t\t NVIDIA GeForce RTX 3080\nIRQ:   \t\t 130\nBus Type: \t PCIe\n"
            + "Bus Location: \t \(address)\nDevice Minor: \t \(minor)\nGPU Excluded:\t No\n"
    }
}
