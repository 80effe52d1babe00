import VFIOCore

/// driver_override exists since Linux 3.16; older kernels (or odd platforms) only offer new_id.
public enum DriverOverrideSupport {
    public static func available(sysfs: any SysfsAccess, address: PCIAddress) -> Bool {
        (try? sysfs.read(PCIPaths.override(address))) != nil
    }
}
