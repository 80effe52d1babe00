/// Why vfioctl refuses to move a device away from its host driver. The raw values are stable: users
/// pass them to `--force`, scripts match them in JSON. Never rename one; add new codes instead.
public enum SafetyCode: String, Sendable, CaseIterable, Comparable {
    /// A network interface of the device is up (any operstate but down/lowerlayerdown/notpresent) and
    /// has an address, carries a route, or sits under a bridge/bond/VLAN that does.
    case netdevActive = "netdev-active"
    /// A block device of the device, a partition of it, or a dm/md/LVM device stacked on either, is mounted.
    case mounted
    /// The same, used as swap.
    case swap
    /// A block device of the device (or a partition) is held by dm/md/LVM, mounted or not.
    case stacked
    /// The firmware chose this GPU for boot output (`boot_vga` is 1).
    case bootVGA = "boot-vga"
    /// A framebuffer of the device carries the framebuffer console (bound vtconsole).
    case fbcon
    /// A process holds one of the device's nodes open: its VFIO group or cdev, DRM card/render node,
    /// framebuffer, NVMe controller or block devices. Unbinding a VFIO device then blocks.
    case openFD = "open-fd"
    /// The device is a PCI bridge: vfio-pci refuses it, and the devices behind it depend on it.
    case bridge
    /// The device is an SR-IOV physical function with VFs enabled: vfio-pci refuses it (EBUSY) and
    /// unbinding the PF driver removes the VFs under whoever uses them.
    case sriovPF = "sriov-pf"

    /// One line for `--help`, the man page and the README.
    public var meaning: String {
        switch self {
        case .netdevActive: "a network interface of the device is up with an address or a route"
        case .mounted: "a block device of the device (a partition, or dm/md/LVM on it) is mounted"
        case .swap: "a block device of the device (a partition, or dm/md/LVM on it) is used as swap"
        case .stacked: "a block device of the device is held by dm/md/LVM"
        case .bootVGA: "the device is the boot VGA device (boot_vga=1)"
        case .fbcon: "a framebuffer of the device carries the framebuffer console"
        case .openFD: "a process holds one of the device's nodes open"
        case .bridge: "the device is a PCI bridge"
        case .sriovPF: "the device is an SR-IOV physical function with VFs enabled"
        }
    }

    /// Declaration order, which is also the order findings are reported in.
    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One reason not to move one device, with exactly what was seen.
public struct SafetyFinding: Sendable, Equatable {
    public var code: SafetyCode
    public var device: PCIAddress
    /// What was found, e.g. `eth0 is up with 192.168.1.5/24`, `nvme0n1p2 mounted on /`,
    /// `pid 1234 (qemu-system-x86) holds /dev/vfio/12`.
    public var detail: String

    public init(code: SafetyCode, device: PCIAddress, detail: String) {
        self.code = code
        self.device = device
        self.detail = detail
    }

    /// `0000:01:00.0: eth0 is up with 127.0.0.2/8 (override with --force netdev-active)`
    public var message: String { "\(device): \(detail) (override with --force \(code.rawValue))" }
}
