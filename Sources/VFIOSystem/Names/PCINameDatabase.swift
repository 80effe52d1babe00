import CPCI
import VFIOCore

/// Vendor, device and class names from pci.ids through libpci. Opening it costs several milliseconds
/// (it parses the whole file), so it is created only when something is about to print a name.
public final class PCINameDatabase {
    private let access: UnsafeMutablePointer<pci_access>
    private var buffer = [CChar](repeating: 0, count: 512)

    public init() {
        access = vfioctl_pci_alloc_for_names()
    }

    deinit { pci_cleanup(access) }

    public func vendor(_ vendor: VendorID) -> String? {
        lookup { vfioctl_pci_vendor_name(access, $0, $1, Int32(vendor.rawValue)) }
    }

    public func device(_ vendor: VendorID, _ device: DeviceID) -> String? {
        lookup { vfioctl_pci_device_name(access, $0, $1, Int32(vendor.rawValue), Int32(device.rawValue)) }
    }

    /// The subclass name (`Ethernet controller`), falling back to the base class name.
    public func className(_ classCode: ClassCode) -> String? {
        lookup { vfioctl_pci_class_name(access, $0, $1, Int32(classCode.classAndSubclass)) }
            ?? lookup { vfioctl_pci_class_name(access, $0, $1, Int32(classCode.baseClass) << 8) }
    }

    private func lookup(_ call: (UnsafeMutablePointer<CChar>, Int32) -> UnsafeMutablePointer<CChar>?) -> String? {
        buffer.withUnsafeMutableBufferPointer { buf in
            call(buf.baseAddress!, Int32(buf.count)).map { String(cString: $0) }
        }
    }
}

extension PCINameDatabase: PCINames {}

extension DeviceNamer {
    /// Names from pci.ids through libpci (loaded on the first name asked for), or none when `numeric`.
    public convenience init(numeric: Bool) {
        self.init(numeric: numeric, names: { PCINameDatabase() })
    }
}
