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
        get { fields.values.address }
        set { uniqueFields().values.address = newValue }
    }
    public var identity: PCIIdentity {
        get { fields.values.identity }
        set { uniqueFields().values.identity = newValue }
    }
    public var modalias: Modalias {
        get { fields.values.modalias }
        set { uniqueFields().values.modalias = newValue }
    }
    public var driver: DriverName? {
        get { fields.values.driver }
        set { uniqueFields().values.driver = newValue }
    }
    public var driverOverride: DriverName? {
        get { fields.values.driverOverride }
        set { uniqueFields().values.driverOverride = newValue }
    }
    public var iommuGroup: IOMMUGroup? {
        get { fields.values.iommuGroup }
        set { uniqueFields().values.iommuGroup = newValue }
    }
    public var numaNode: Int? {
        get { fields.values.numaNode }
        set { uniqueFields().values.numaNode = newValue }
    }
    public var bootVGA: Bool {
        get { fields.values.bootVGA }
        set { uniqueFields().values.bootVGA = newValue }
    }
    /// The upstream bridge's address, or nil when the device sits on a root bus (or was read
    /// without it: `GroupClosureReader` leaves it out).
    public var parent: PCIAddress? {
        get { fields.values.parent }
        set { uniqueFields().values.parent = newValue }
    }
    public var sriov: SRIOVState {
        get { fields.values.sriov }
        set { uniqueFields().values.sriov = newValue }
    }
    public var hostUse: HostUse {
        get { fields.values.hostUse }
        set { uniqueFields().values.hostUse = newValue }
    }
    /// False when enumeration skipped the host-use scan (commands that print no host use ask for
    /// that); then `hostUse` is empty, not "unused", and safety checks must not see the record.
    public var hostUseRead: Bool {
        get { fields.values.hostUseRead }
        set { uniqueFields().values.hostUseRead = newValue }
    }
    public var unreadable: [String] {
        get { fields.values.unreadable }
        set { uniqueFields().values.unreadable = newValue }
    }

    private var fields: Fields

    public init(address: PCIAddress, identity: PCIIdentity, modalias: Modalias? = nil, driver: DriverName? = nil,
                driverOverride: DriverName? = nil, iommuGroup: IOMMUGroup? = nil, numaNode: Int? = nil,
                bootVGA: Bool = false, parent: PCIAddress? = nil, sriov: SRIOVState = SRIOVState(),
                hostUse: HostUse = HostUse(), hostUseRead: Bool = true, unreadable: [String] = []) {
        fields = Fields(Values(address: address, identity: identity, modalias: modalias ?? identity.modalias, driver: driver,
                               driverOverride: driverOverride, iommuGroup: iommuGroup, numaNode: numaNode, bootVGA: bootVGA,
                               parent: parent, sriov: sriov, hostUse: hostUse, hostUseRead: hostUseRead, unreadable: unreadable))
    }

    public var isBridge: Bool { identity.classCode.isBridge }
    public var isVirtualFunction: Bool { sriov.physfn != nil }

    public static func == (a: Self, b: Self) -> Bool {
        a.fields === b.fields || a.fields.values == b.fields.values
    }

    /// The fields, as a plain struct would show them (test failures, `dump`).
    public var customMirror: Mirror {
        Mirror(self, children: Mirror(reflecting: fields.values).children, displayStyle: .struct)
    }

    private mutating func uniqueFields() -> Fields {
        if !isKnownUniquelyReferenced(&fields) { fields = Fields(fields.values) }
        return fields
    }

    /// Written only through `uniqueFields()`, by the one record that holds it (copy on write), so
    /// no two threads ever write the same box; that is why it can be Sendable.
    private final class Fields: @unchecked Sendable {
        package var values: Values
        package init(_ values: Values) { self.values = values }
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
