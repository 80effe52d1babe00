/// Vendor, device and class names of PCI ids (pci.ids). VFIOSystem's `PCINameDatabase` asks libpci.
public protocol PCINames: AnyObject {
    func vendor(_ vendor: VendorID) -> String?
    func device(_ vendor: VendorID, _ device: DeviceID) -> String?
    /// The subclass name (`Ethernet controller`), falling back to the base class name.
    func className(_ classCode: ClassCode) -> String?
}

/// Resolves names for devices on demand; `numeric` turns every lookup into nil without loading pci.ids.
public final class DeviceNamer {
    private let numeric: Bool
    private let openNames: () -> any PCINames
    private lazy var database = openNames()

    /// `names` opens the name database; it is called on the first name asked for only.
    public init(numeric: Bool, names: @escaping () -> any PCINames) {
        self.numeric = numeric
        openNames = names
    }

    public func vendorName(_ device: PCIDevice) -> String? {
        numeric ? nil : database.vendor(device.identity.vendor)
    }

    public func deviceName(_ device: PCIDevice) -> String? {
        numeric ? nil : database.device(device.identity.vendor, device.identity.device)
    }

    public func className(_ device: PCIDevice) -> String? {
        numeric ? nil : database.className(device.identity.classCode)
    }

    /// `Ethernet controller: Intel Corporation 82574L Gigabit Network Connection`, as lspci words it.
    public func description(_ device: PCIDevice) -> String? {
        guard !numeric else { return nil }
        let vendor = vendorName(device) ?? "Device vendor \(device.identity.vendor)"
        let model = deviceName(device) ?? "Device \(device.identity.device)"
        let cls = className(device) ?? "Class \(hex(device.identity.classCode.classAndSubclass, width: 4))"
        return "\(cls): \(vendor) \(model)"
    }
}
