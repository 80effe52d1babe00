import VFIOCore

/// Reads a device's reset and power attributes (`show`). Each read is of the kernel's own record:
/// none touches the device's config space, so a device asleep in D3 stays asleep.
public struct DevicePowerReader {
    public let sysfs: any SysfsAccess

    public init(sysfs: any SysfsAccess) {
        self.sysfs = sysfs
    }

    static let disableIdleD3 = "module/vfio_pci/parameters/disable_idle_d3"

    public func read(_ address: PCIAddress) -> DevicePower {
        let device = PCIPaths.device(address)
        func attribute(_ name: String) -> String? { try? sysfs.read(device + "/" + name) }
        return DevicePower(
            resetMethods: attribute("reset_method").map(ResetMethod.words),
            powerState: attribute("power_state"),
            runtimeStatus: attribute("power/runtime_status"),
            d3coldAllowed: attribute("d3cold_allowed").flatMap(Self.flag),
            vfioDisableIdleD3: (try? sysfs.read(Self.disableIdleD3)).flatMap(Self.flag))
    }

    /// `1`/`0` (sysfs attributes) and `Y`/`N` (bool module parameters).
    static func flag(_ text: String) -> Bool? {
        switch text {
        case "1", "Y", "y": true
        case "0", "N", "n": false
        default: nil
        }
    }
}
