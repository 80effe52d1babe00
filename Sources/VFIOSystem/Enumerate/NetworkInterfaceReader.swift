import VFIOCore

/// Reads which device holds which network interface: `ls /sys/bus/pci/devices/ADDRESS/net/`.
///
/// In the kernel's tree `net/` and each interface below it are directories. A crafted tree can put a
/// symbolic link or a file there instead: such an entry names no interface (a link could make one
/// device claim another's interfaces), and a name the kernel would not accept is skipped.
public struct NetworkInterfaceReader: Sendable {
    let sysfs: any SysfsAccess

    public init(sysfs: any SysfsAccess) {
        self.sysfs = sysfs
    }

    public func index(of inventory: DeviceInventory) -> NetworkInterfaceIndex {
        var owners: [InterfaceName: [PCIAddress]] = [:]
        for device in inventory.devices {
            for name in interfaces(of: device.address) { owners[name, default: []].append(device.address) }
        }
        return NetworkInterfaceIndex(owners: owners)
    }

    func interfaces(of address: PCIAddress) -> [InterfaceName] {
        let directory = PCIPaths.device(address)
        guard let entries = try? sysfs.list(directory),
            entries.contains(where: { $0.name == "net" && $0.kind == .directory }),
            let interfaces = try? sysfs.list(directory + "/net")
        else { return [] }
        return interfaces.filter { $0.kind == .directory }.compactMap { InterfaceName($0.name) }
    }
}

extension NetworkInterfaceReader {
    /// The interface index `query` needs: the `net/` directories are read only when one of its
    /// selectors names an interface.
    public func index(for query: DeviceQuery, of inventory: DeviceInventory) -> NetworkInterfaceIndex {
        query.namesInterfaces ? index(of: inventory) : .empty
    }
}
