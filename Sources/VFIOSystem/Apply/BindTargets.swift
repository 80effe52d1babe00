import VFIOCore

/// The devices a bind names, the devices read to check them, and the way they will be bound.
///
/// A bind reads as little as it can: with addresses only, just those devices and their IOMMU
/// groups' members. new_id needs more: it binds every unbound device with the same ids, so the
/// check for such collateral devices needs the whole system. new_id is used when asked for, and
/// when the kernel has no driver_override (before Linux 3.16): then the whole system is read again.
public struct BindTargets {
    public var method: DeviceMover.BindMethod?
    public var inventory: DeviceInventory
    /// The devices selected, in bus order; empty when the selectors match nothing.
    public var devices: [PCIDevice]

    /// `read(wholeSystem)` enumerates the devices: every one when `wholeSystem`, otherwise as few as
    /// the selectors allow. `sysfs` is asked whether driver_override exists (and holds the `net/`
    /// directories an interface-name selector is resolved through). `driverless`: the devices are to be
    /// kept without a driver, which only driver_override can do.
    public static func select(
        _ selectors: [DeviceSelector], method asked: DeviceMover.BindMethod?,
        driverless: Bool = false, sysfs: any SysfsAccess,
        read: (_ wholeSystem: Bool) throws(VFIOError) -> DeviceInventory
    ) throws(VFIOError) -> BindTargets {
        let query = DeviceQuery(selectors: selectors)
        func devices(in inventory: DeviceInventory) throws(VFIOError) -> [PCIDevice] {
            let interfaces = NetworkInterfaceReader(sysfs: sysfs).index(for: query, of: inventory)
            return try query.select(from: inventory, interfaces: interfaces)
        }
        var inventory = try read(asked == .newID)
        var selected = try devices(in: inventory)
        guard let first = selected.first, !DriverOverrideSupport.available(sysfs: sysfs, address: first.address)
        else { return BindTargets(method: asked, inventory: inventory, devices: selected) }
        if driverless {
            throw VFIOError.notFound(
                "this kernel has no driver_override: a device cannot be kept without a driver",
                hint: "driver_override appeared in Linux 3.16")
        }
        guard asked == nil else { return BindTargets(method: asked, inventory: inventory, devices: selected) }
        inventory = try read(true)
        selected = try devices(in: inventory)
        return BindTargets(method: .newID, inventory: inventory, devices: selected)
    }
}
