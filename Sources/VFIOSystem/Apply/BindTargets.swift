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
    /// the selectors allow. `sysfs` is asked whether driver_override exists.
    public static func select(_ selectors: [DeviceSelector], method asked: DeviceMover.BindMethod?,
                              sysfs: any SysfsAccess,
                              read: (_ wholeSystem: Bool) throws(VFIOError) -> DeviceInventory) throws(VFIOError) -> BindTargets {
        let query = DeviceQuery(selectors: selectors)
        var inventory = try read(asked == .newID)
        var devices = try query.select(from: inventory)
        guard asked == nil, let first = devices.first, !DriverOverrideSupport.available(sysfs: sysfs, address: first.address)
        else { return BindTargets(method: asked, inventory: inventory, devices: devices) }
        inventory = try read(true)
        devices = try query.select(from: inventory)
        return BindTargets(method: .newID, inventory: inventory, devices: devices)
    }
}
