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
    package static func device(_ address: PCIAddress) -> String { joined("bus/pci/devices/", address, "") }
    package static func override(_ address: PCIAddress) -> String { joined("bus/pci/devices/", address, "/driver_override") }
    static func driverLink(_ address: PCIAddress) -> String { joined("bus/pci/devices/", address, "/driver") }
    package static func bind(_ driver: DriverName) -> String { joined("bus/pci/drivers/", driver.rawValue, "/bind") }
    package static func unbind(_ driver: DriverName) -> String { joined("bus/pci/drivers/", driver.rawValue, "/unbind") }
    package static func newID(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)/new_id" }
    package static func removeID(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)/remove_id" }
    package static func driverDirectory(_ driver: DriverName) -> String { "bus/pci/drivers/\(driver)" }
    package static let driversProbe = "bus/pci/drivers_probe"
    package static func sriovNumVFs(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/sriov_numvfs" }
    package static func sriovAutoprobe(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/sriov_drivers_autoprobe" }
    package static func vfioDeviceDirectory(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)/vfio-dev" }
    package static let groupsDirectory = "kernel/iommu_groups"
    package static func groupDevices(_ group: IOMMUGroup) -> String { "\(groupsDirectory)/\(group.number)/devices" }

    /// `prefix`, `name` and `suffix` written straight into one new string, without interpolation:
    /// these are the paths every moved device needs, on the per-VF bind path users wait for.
    private static func joined(_ prefix: StaticString, _ name: String, _ suffix: StaticString) -> String {
        var name = name
        return name.withUTF8 { joined(prefix, $0, suffix) }
    }

    /// The same with an address's spelling, written with no String of its own.
    private static func joined(_ prefix: StaticString, _ address: PCIAddress, _ suffix: StaticString) -> String {
        address.withSpelling { joined(prefix, $0, suffix) }
    }

    private static func joined(_ prefix: StaticString, _ name: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> String {
        String(unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + name.count + suffix.utf8CodeUnitCount) { buffer in
            var end = 0
            func append(_ part: UnsafeBufferPointer<UInt8>) {
                guard let base = part.baseAddress, part.count > 0 else { return }
                (buffer.baseAddress! + end).initialize(from: base, count: part.count)
                end += part.count
            }
            append(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
            append(name)
            append(UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount))
            return end
        }
    }
}
