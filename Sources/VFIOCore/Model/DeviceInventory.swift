/// All PCI devices of one system (or fake tree), read once, sorted by address, with the indexes
/// every command needs built once (by address, by IOMMU group, by upstream bridge).
public struct DeviceInventory: Sendable {
    public let devices: [PCIDevice]
    /// Devices that could not be read, and other oddities worth a `vfioctl: warning:` line.
    public let warnings: [String]
    private let index: [PCIAddress: Int]
    private let byGroup: [IOMMUGroup: [Int]]
    private let byParent: [PCIAddress: [Int]]
    private let onRootBus: [Int]

    public init(devices: [PCIDevice], warnings: [String] = []) {
        self.devices = devices.sorted { $0.address < $1.address }
        self.warnings = warnings
        var index: [PCIAddress: Int] = [:]
        index.reserveCapacity(devices.count)
        var byGroup: [IOMMUGroup: [Int]] = [:]
        byGroup.reserveCapacity(devices.count)
        var byParent: [PCIAddress: [Int]] = [:]
        var onRootBus: [Int] = []
        for (position, device) in self.devices.enumerated() {
            // The first record of an address wins, in the rare case of two.
            if index[device.address] == nil { index[device.address] = position }
            if let group = device.iommuGroup { byGroup[group, default: []].append(position) }
            guard device.sriov.physfn == nil else { continue }
            if let parent = device.parent {
                byParent[parent, default: []].append(position)
            } else {
                onRootBus.append(position)
            }
        }
        self.index = index
        self.byGroup = byGroup
        self.byParent = byParent
        self.onRootBus = onRootBus
    }

    public subscript(address: PCIAddress) -> PCIDevice? { index[address].map { devices[$0] } }

    /// Whether a device has this address, without copying its record.
    public func contains(_ address: PCIAddress) -> Bool { index[address] != nil }

    /// The IOMMU group of the device at `address`, without copying its record.
    public func iommuGroup(of address: PCIAddress) -> IOMMUGroup? { index[address].flatMap { devices[$0].iommuGroup } }

    /// The devices in an IOMMU group, the device itself included, by address.
    public func members(of group: IOMMUGroup) -> [PCIDevice] {
        memberPositions(of: group).map { devices[$0] }
    }

    /// The same as positions in `devices`.
    public func memberPositions(of group: IOMMUGroup) -> [Int] { byGroup[group] ?? [] }

    /// Every IOMMU group with its members, ordered by group number.
    public var groups: [(group: IOMMUGroup, members: [PCIDevice])] {
        byGroup.keys.sorted().map { ($0, members(of: $0)) }
    }

    /// Devices whose upstream bridge is `address` (nil: devices on a root bus), VFs excluded.
    public func children(of address: PCIAddress?) -> [PCIDevice] {
        guard let address else { return onRootBus.map { devices[$0] } }
        return (byParent[address] ?? []).map { devices[$0] }
    }
}
