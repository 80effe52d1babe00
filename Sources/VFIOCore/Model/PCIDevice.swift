/// Everything vfioctl knows about one PCI function, read in one pass over sysfs.
///
/// Optional fields are `nil` when the kernel does not provide them (no driver, no IOMMU) or when the
/// attribute could not be read; `unreadable` names the attributes that failed so output can say
/// "unknown" rather than pretend they are absent.
///
/// A value type whose fields live in one shared box, copied on the first write: a record is copied
/// several times on its way from enumeration through the plan to the transaction, and copying a
/// dozen reference-counted fields each time was a visible share of binding many VFs.
public struct PCIDevice: Sendable, Equatable, CustomReflectable {
    public var address: PCIAddress {
        get { fields.address }
        set { uniqueFields().address = newValue }
    }
    public var identity: PCIIdentity {
        get { fields.identity }
        set { uniqueFields().identity = newValue }
    }
    public var modalias: Modalias {
        get { fields.modalias }
        set { uniqueFields().modalias = newValue }
    }
    public var driver: DriverName? {
        get { fields.driver }
        set { uniqueFields().driver = newValue }
    }
    public var driverOverride: DriverName? {
        get { fields.driverOverride }
        set { uniqueFields().driverOverride = newValue }
    }
    public var iommuGroup: IOMMUGroup? {
        get { fields.iommuGroup }
        set { uniqueFields().iommuGroup = newValue }
    }
    public var numaNode: Int? {
        get { fields.numaNode }
        set { uniqueFields().numaNode = newValue }
    }
    public var bootVGA: Bool {
        get { fields.bootVGA }
        set { uniqueFields().bootVGA = newValue }
    }
    /// The upstream bridge's address, or nil when the device sits on a root bus (or was read
    /// without it: `GroupClosureReader` leaves it out).
    public var parent: PCIAddress? {
        get { fields.parent }
        set { uniqueFields().parent = newValue }
    }
    public var sriov: SRIOVState {
        get { fields.sriov }
        set { uniqueFields().sriov = newValue }
    }
    public var hostUse: HostUse {
        get { fields.hostUse }
        set { uniqueFields().hostUse = newValue }
    }
    /// False when enumeration skipped the host-use scan (commands that print no host use ask for
    /// that); then `hostUse` is empty, not "unused", and safety checks must not see the record.
    public var hostUseRead: Bool {
        get { fields.hostUseRead }
        set { uniqueFields().hostUseRead = newValue }
    }
    public var unreadable: [String] {
        get { fields.unreadable }
        set { uniqueFields().unreadable = newValue }
    }

    private var fields: Fields

    public init(address: PCIAddress, identity: PCIIdentity, modalias: Modalias? = nil, driver: DriverName? = nil,
                driverOverride: DriverName? = nil, iommuGroup: IOMMUGroup? = nil, numaNode: Int? = nil,
                bootVGA: Bool = false, parent: PCIAddress? = nil, sriov: SRIOVState = SRIOVState(),
                hostUse: HostUse = HostUse(), hostUseRead: Bool = true, unreadable: [String] = []) {
        fields = Fields(address: address, identity: identity, modalias: modalias ?? identity.modalias, driver: driver,
                        driverOverride: driverOverride, iommuGroup: iommuGroup, numaNode: numaNode, bootVGA: bootVGA,
                        parent: parent, sriov: sriov, hostUse: hostUse, hostUseRead: hostUseRead, unreadable: unreadable)
    }

    public var isBridge: Bool { identity.classCode.isBridge }
    public var isVirtualFunction: Bool { sriov.physfn != nil }

    public static func == (a: Self, b: Self) -> Bool {
        a.fields === b.fields || a.fields.values == b.fields.values
    }

    /// The fields, as a plain struct would show them (test failures, `dump`).
    public var customMirror: Mirror {
        Mirror(self, children: ["address": address as Any, "identity": identity as Any, "modalias": modalias as Any, "driver": driver as Any, "driverOverride": driverOverride as Any, "iommuGroup": iommuGroup as Any, "numaNode": numaNode as Any, "bootVGA": bootVGA as Any, "parent": parent as Any, "sriov": sriov as Any, "hostUse": hostUse as Any, "hostUseRead": hostUseRead as Any, "unreadable": unreadable as Any], displayStyle: .struct)
    }

    private mutating func uniqueFields() -> Fields {
        if !isKnownUniquelyReferenced(&fields) { fields = Fields(copying: fields) }
        return fields
    }

    /// Written only through `uniqueFields()`, by the one record that holds it (copy on write), so
    /// no two threads ever write the same box; that is why it can be Sendable.
    private final class Fields: @unchecked Sendable {
        var address: PCIAddress
        var identity: PCIIdentity
        var modalias: Modalias
        var driver: DriverName?
        var driverOverride: DriverName?
        var iommuGroup: IOMMUGroup?
        var numaNode: Int?
        var bootVGA: Bool
        var parent: PCIAddress?
        var sriov: SRIOVState
        var hostUse: HostUse
        var hostUseRead: Bool
        var unreadable: [String]

        init(address: PCIAddress, identity: PCIIdentity, modalias: Modalias, driver: DriverName?, driverOverride: DriverName?, iommuGroup: IOMMUGroup?, numaNode: Int?, bootVGA: Bool, parent: PCIAddress?, sriov: SRIOVState, hostUse: HostUse, hostUseRead: Bool, unreadable: [String]) {
            self.address = address
            self.identity = identity
            self.modalias = modalias
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

        convenience init(copying other: Fields) {
            self.init(address: other.address, identity: other.identity, modalias: other.modalias, driver: other.driver, driverOverride: other.driverOverride, iommuGroup: other.iommuGroup, numaNode: other.numaNode, bootVGA: other.bootVGA, parent: other.parent, sriov: other.sriov, hostUse: other.hostUse, hostUseRead: other.hostUseRead, unreadable: other.unreadable)
        }

        /// Every field, for ==.
        var values: Values {
            Values(address: address, identity: identity, modalias: modalias, driver: driver, driverOverride: driverOverride, iommuGroup: iommuGroup, numaNode: numaNode, bootVGA: bootVGA, parent: parent, sriov: sriov, hostUse: hostUse, hostUseRead: hostUseRead, unreadable: unreadable)
        }
    }

    private struct Values: Equatable {
        var address: PCIAddress
        var identity: PCIIdentity
        var modalias: Modalias
        var driver: DriverName?
        var driverOverride: DriverName?
        var iommuGroup: IOMMUGroup?
        var numaNode: Int?
        var bootVGA: Bool
        var parent: PCIAddress?
        var sriov: SRIOVState
        var hostUse: HostUse
        var hostUseRead: Bool
        var unreadable: [String]
    }
}

/// SR-IOV links and knobs. A VF has `physfn`; a PF has `totalVFs` and its current `virtfns`.
public struct SRIOVState: Sendable, Equatable {
    public var physfn: PCIAddress?
    public var virtfns: [PCIAddress]
    public var numVFs: Int?
    public var totalVFs: Int?
    public var driversAutoprobe: Bool?

    public init(physfn: PCIAddress? = nil, virtfns: [PCIAddress] = [], numVFs: Int? = nil, totalVFs: Int? = nil,
                driversAutoprobe: Bool? = nil) {
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
