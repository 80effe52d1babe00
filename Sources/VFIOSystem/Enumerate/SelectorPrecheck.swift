import VFIOCore

/// Whether a writing command's selectors name any device, asked before the command takes the lock
/// and captures the host: a selector that names nothing is status 4 at once, not after waiting up to
/// `--lock-timeout` for another vfioctl. What the command changes is still read after the lock
/// (GroupClosureReader): this only answers whether there is anything to change.
public struct SelectorPrecheck {
    public let sysfs: any SysfsAccess

    public init(sysfs: any SysfsAccess) {
        self.sysfs = sysfs
    }

    /// An address is looked up alone (its `bus/pci/devices` directory, opened as the later read
    /// opens it); any other form needs every device (`readAll`, best without host use) and is
    /// resolved as the command resolves it (`DeviceQuery.select`). Throws the status-4 error of a
    /// selector that names no device (status 2 for an ambiguous interface); false when nothing
    /// else matches (id pairs only).
    public func namesAnyDevice(
        _ query: DeviceQuery, readAll: () throws(VFIOError) -> DeviceInventory
    ) throws(VFIOError) -> Bool {
        var addresses: [PCIAddress] = []
        for case .address(let address) in query.selectors { addresses.append(address) }
        if !addresses.isEmpty, addresses.count == query.selectors.count {
            for address in addresses {
                do {
                    _ = try sysfs.openDevice(address)
                } catch  where error.isMissing {
                    throw DeviceQuery.noMatch(.address(address))
                } catch {
                    // Not this check's to report: the read after the lock says what went wrong.
                }
            }
            return true
        }
        let inventory = try readAll()
        let interfaces = NetworkInterfaceReader(sysfs: sysfs).index(for: query, of: inventory)
        return try !query.select(from: inventory, interfaces: interfaces).isEmpty
    }
}
