/// What the host is using right now, captured once per run (`HostState.capture`) and then consulted
/// for every device, so checking many devices costs one scan of /proc and not one per device.
///
/// Names are the kernel's: interfaces (`eth0`), block devices (`nvme0n1p2`, `dm-0`), framebuffers (`fb0`).
/// Device nodes are paths relative to /dev (`vfio/12`, `dri/card0`, `nvme0n1`).
public struct HostState: Sendable, Equatable {
    /// Configured addresses per interface, as `192.168.1.5/24` or `fd00::2/64`. IPv6 link-local
    /// addresses (fe80::/10) are left out: the kernel gives one to every interface that comes up.
    public var addresses: [String: [String]]
    /// Interfaces that carry at least one route (IPv4 or IPv6, routes the kernel adds by itself for
    /// link-local and multicast excluded).
    public var routedInterfaces: Set<String>
    /// Interfaces stacked on each interface: the bridge, bond, VLAN or macvlan above it (`upper_*`
    /// links in /sys/class/net/NAME). An enslaved NIC has no address itself; its bridge does.
    public var upperInterfaces: [String: [String]]
    public var mounts: [Mount]
    public var swaps: [Swap]
    /// Every block device the kernel knows (/sys/class/block), by name.
    public var blockDevices: [String: BlockDevice]
    /// Framebuffers the framebuffer console draws on, `fb0` → the bound `vtcon1`.
    public var consoleFramebuffers: [String: String]
    /// Character device nodes a PCI device owns that its own subtree does not show as host use:
    /// NVMe controllers (`nvme0`) and VFIO cdevs (`vfio/devices/vfio3`).
    public var deviceNodes: [PCIAddress: [String]]
    /// Processes holding each device node open, by node (`vfio/12` → pid 1234 qemu-system-x86).
    public var openNodes: [String: [NodeHolder]]
    /// Processes whose open files could not be read (EACCES/EPERM, e.g. under a security module):
    /// a node they hold would go unnoticed, so a caller can say the check was incomplete.
    public var uncheckedProcesses: Int
    /// Host-wide sources that could not be read at all (`/proc/swaps: EACCES ...`). A check that
    /// could not look must not pass quietly; callers print these.
    public var unreadable: [String]

    public init(
        addresses: [String: [String]] = [:], routedInterfaces: Set<String> = [],
        upperInterfaces: [String: [String]] = [:], mounts: [Mount] = [], swaps: [Swap] = [],
        blockDevices: [String: BlockDevice] = [:], consoleFramebuffers: [String: String] = [:],
        deviceNodes: [PCIAddress: [String]] = [:], openNodes: [String: [NodeHolder]] = [:],
        uncheckedProcesses: Int = 0, unreadable: [String] = []
    ) {
        self.addresses = addresses
        self.routedInterfaces = routedInterfaces
        self.upperInterfaces = upperInterfaces
        self.mounts = mounts
        self.swaps = swaps
        self.blockDevices = blockDevices
        self.consoleFramebuffers = consoleFramebuffers
        self.deviceNodes = deviceNodes
        self.openNodes = openNodes
        self.uncheckedProcesses = uncheckedProcesses
        self.unreadable = unreadable
    }
}

/// A `major:minor` device number, as /sys/class/block/NAME/dev and mountinfo print it.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    public let major: UInt32
    public let minor: UInt32
    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }
    public var description: String { "\(major):\(minor)" }
}

extension HostState {
    /// One line of /proc/self/mountinfo, reduced to what identifies the filesystem's device.
    public struct Mount: Sendable, Equatable {
        /// Major 0 means no block device (tmpfs, proc) — or btrfs, whose anonymous device number
        /// hides the real one; `source` (`/dev/sda2`) is then the only link to the disk.
        public var device: DeviceNumber
        public var mountPoint: String
        public var source: String
        public var fsType: String
        public init(device: DeviceNumber, mountPoint: String, source: String, fsType: String = "") {
            self.device = device
            self.mountPoint = mountPoint
            self.source = source
            self.fsType = fsType
        }
    }

    /// One active swap area from /proc/swaps. Swap files (`type == "file"`) live on a mounted
    /// filesystem, which `mounted` already reports.
    public struct Swap: Sendable, Equatable {
        public var path: String
        public var type: String
        public init(path: String, type: String) {
            self.path = path
            self.type = type
        }
    }

    /// One entry of /sys/class/block and how it stacks: `sda` has partitions `sda1`, `sda2`;
    /// `sda2` is held by `dm-0` (LVM, dm-crypt, multipath) or `md0`.
    public struct BlockDevice: Sendable, Equatable {
        public var name: String
        public var device: DeviceNumber?
        public var partitions: [String]
        public var holders: [String]
        /// The device-mapper name (`vg0-root`) of a `dm-N`, which /dev/mapper and mount sources use.
        public var dmName: String?
        public init(
            name: String, device: DeviceNumber? = nil, partitions: [String] = [], holders: [String] = [],
            dmName: String? = nil
        ) {
            self.name = name
            self.device = device
            self.partitions = partitions
            self.holders = holders
            self.dmName = dmName
        }
    }

    /// A process with a device node open.
    public struct NodeHolder: Sendable, Equatable, Hashable {
        public var pid: Int32
        /// `/proc/PID/comm`: at most 15 characters, so `qemu-system-x86_64` reads `qemu-system-x86`.
        public var command: String
        public init(pid: Int32, command: String) {
            self.pid = pid
            self.command = command
        }
    }
}
