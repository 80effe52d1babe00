import VFIOCore

extension GroupClosureReader {
    /// What a writing command on `selectors` reads: when every selector is an address (and the
    /// whole system is not needed for checks about other devices, as new_id's is), only those
    /// devices and their IOMMU groups' members; otherwise, or when a group cannot be read, every
    /// device (`readAll`). id pairs can match anywhere, so they always need every device.
    public func inventory(
        for selectors: [DeviceSelector], wholeSystem: Bool,
        readAll: () throws(VFIOError) -> DeviceInventory
    ) throws(VFIOError) -> (inventory: DeviceInventory, closure: Bool) {
        var addresses: [PCIAddress] = []
        for case .address(let address) in selectors { addresses.append(address) }
        guard !wholeSystem, addresses.count == selectors.count, let inventory = inventory(of: addresses)
        else { return (try readAll(), false) }
        return (inventory, true)
    }
}
