/// Which driver a device is on and what its driver_override says: the state a transaction records
/// before touching a device and puts back on failure.
public struct DeviceBinding: Sendable, Equatable, CustomStringConvertible {
    public var driver: DriverName?
    public var override: DriverName?

    public init(driver: DriverName?, override: DriverName?) {
        self.driver = driver
        self.override = override
    }

    public var description: String {
        (driver?.rawValue ?? "no driver") + (override.map { " (override \($0))" } ?? "")
    }
}

/// The sysfs paths of the PCI core's binding interface, in one place.
package enum PCIPaths {
    package static func device(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)" }
    package static func override(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/driver_override" }
    package static func driverLink(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/driver" }
    package static func bind(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)/bind" }
    package static func unbind(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)/unbind" }
    package static func newID(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)/new_id" }
    package static func removeID(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)/remove_id" }
    package static func driverDirectory(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)" }
    package static let driversProbe = "bus/pci/drivers_probe"
    package static func sriovNumVFs(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/sriov_numvfs" }
    package static func resetMethod(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/reset_method" }
    package static func sriovAutoprobe(_ address: PCIAddress) -> String {
        "bus/pci/devices/\(address)/sriov_drivers_autoprobe"
    }
    package static func vfioDeviceDirectory(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/vfio-dev" }
    package static let groupsDirectory = "kernel/iommu_groups"
    package static func groupDevices(_ group: IOMMUGroup) -> String { "\(groupsDirectory)/\(group.number)/devices" }
}
