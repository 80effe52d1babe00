import TestSupport
import VFIOCore

typealias SimVM = KernelSimulator.Standard

extension KernelSimulator {
    /// The driver as vfioctl sees it: the last component of the `driver` link.
    func driverLink(_ address: PCIAddress) -> String? {
        try? String(SysfsPath.lastComponent(readLink("bus/pci/devices/\(address)/driver")))
    }
}
