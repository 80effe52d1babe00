/// All PCI devices of one system (or fake tree), read once, sorted by address.
public struct DeviceInventory: Sendable {
    public let devices: [PCIDevice]
    /// Devices that could not be read, and other oddities worth a `vfioctl: warning:` line.
    public let warnings: [String]
    private let index: [PCIAddress: Int]

    public init(devices: [PCIDevice], warnings: [String] = []) {
        self.devices = devices.sorted { $0.address < $1.address }
        self.warnings = warnings
        self.index = Dictionary(self.devices.enumerated().map { ($1.address, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public subscript(address: PCIAddress) -> PCIDevice? { index[address].map { devices[$0] } }

    /// The devices in an IOMMU group, the device itself included, by address.
    public func members(of group: IOMMUGroup) -> [PCIDevice] {
        devices.filter { $0.iommuGroup == group }
    }

    /// Every IOMMU group with its members, ordered by group number.
    public var groups: [(group: IOMMUGroup, members: [PCIDevice])] {
        let byGroup = Dictionary(grouping: devices.filter { $0.iommuGroup != nil }, by: { $0.iommuGroup! })
        return byGroup.keys.sorted().map { ($0, byGroup[$0]!) }
    }

    /// Devices whose upstream bridge is `address` (nil: devices on a root bus), VFs excluded.
    public func children(of address: PCIAddress?) -> [PCIDevice] {
        devices.filter { $0.parent == address && !$0.isVirtualFunction }
    }
}
