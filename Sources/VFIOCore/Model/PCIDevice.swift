/// Everything vfioctl knows about one PCI function, read in one pass over sysfs.
///
/// Optional fields are `nil` when the kernel does not provide them (no driver, no IOMMU) or when the
/// attribute could not be read; `unreadable` names the attributes that failed so output can say
/// "unknown" rather than pretend they are absent.
///
public struct PCIDevice: Sendable, Equatable {
    public var address: PCIAddress
    public var identity: PCIIdentity
    public var modalias: Modalias
    public var driver: DriverName?
    public var driverOverride: DriverName?
    public var iommuGroup: IOMMUGroup?
    public var numaNode: Int?
    public var bootVGA: Bool
    /// The upstream bridge's address, or nil when the device sits on a root bus (or was read
    /// without it: `GroupClosureReader` leaves it out).
    public var parent: PCIAddress?
    public var sriov: SRIOVState
    public var hostUse: HostUse
    /// False when enumeration skipped the host-use scan (commands that print no host use ask for
    /// that); then `hostUse` is empty, not "unused", and safety checks must not see the record.
    public var hostUseRead: Bool
    public var unreadable: [String]
    /// A write to this device that vfioctl's journal names as still blocked in the kernel (its
    /// description), nil otherwise. Such a write holds the device's lock, which reading
    /// `driver_override` (and a PF's `sriov_numvfs`) waits for: those were not read, and are nil.
    public var pendingWrite: String? = nil

    public init(
        address: PCIAddress, identity: PCIIdentity, modalias: Modalias? = nil, driver: DriverName? = nil,
        driverOverride: DriverName? = nil, iommuGroup: IOMMUGroup? = nil, numaNode: Int? = nil,
        bootVGA: Bool = false, parent: PCIAddress? = nil, sriov: SRIOVState = SRIOVState(),
        hostUse: HostUse = HostUse(), hostUseRead: Bool = true, unreadable: [String] = []
    ) {
        self.address = address
        self.identity = identity
        self.modalias = modalias ?? identity.modalias
        self.driver = driver
        self.driverOverride = driverOverride
        self.iommuGroup = iommuGroup
        self.numaNode = numaNode
        self.bootVGA = bootVGA
        self.parent = parent
        self.sriov = sriov
        self.hostUse = hostUse
        self.hostUseRead = hostUseRead
        self.unreadable = unreadable
    }

    public var isBridge: Bool { identity.classCode.isBridge }
    public var isVirtualFunction: Bool { sriov.physfn != nil }
}

/// SR-IOV links and knobs. A VF has `physfn`; a PF has `totalVFs` and its current `virtfns`.
public struct SRIOVState: Sendable, Equatable {
    public var physfn: PCIAddress?
    public var virtfns: [PCIAddress]
    public var numVFs: Int?
    public var totalVFs: Int?
    public var driversAutoprobe: Bool?

    public init(
        physfn: PCIAddress? = nil, virtfns: [PCIAddress] = [], numVFs: Int? = nil, totalVFs: Int? = nil,
        driversAutoprobe: Bool? = nil
    ) {
        self.physfn = physfn
        self.virtfns = virtfns
        self.numVFs = numVFs
        self.totalVFs = totalVFs
        self.driversAutoprobe = driversAutoprobe
    }

    public var isPhysicalFunction: Bool { totalVFs != nil }
}

/// What the host is using the device for, as far as the device's own sysfs subtree shows it.
public struct HostUse: Sendable, Equatable {
    public struct NetworkInterface: Sendable, Equatable {
        public var name: String
        /// `up`, `down`, `unknown`, ... exactly as `operstate` says; nil when unreadable.
        public var operstate: String?
        /// IFF_UP from `flags`: configured up by the administrator, even while the link has no carrier
        /// (operstate `down`). nil when unreadable.
        public var adminUp: Bool?
        public init(name: String, operstate: String?, adminUp: Bool? = nil) {
            self.name = name
            self.operstate = operstate
            self.adminUp = adminUp
        }
    }

    public var networkInterfaces: [NetworkInterface]
    /// Block device names (`nvme0n1`, `sda`).
    public var blockDevices: [String]
    /// DRM nodes (`card0`, `renderD128`) and framebuffers (`fb0`).
    public var displayNodes: [String]

    public init(networkInterfaces: [NetworkInterface] = [], blockDevices: [String] = [], displayNodes: [String] = []) {
        self.networkInterfaces = networkInterfaces
        self.blockDevices = blockDevices
        self.displayNodes = displayNodes
    }

    public var isEmpty: Bool { networkInterfaces.isEmpty && blockDevices.isEmpty && displayNodes.isEmpty }
}
