#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Reads only the named devices and the other members of their IOMMU groups: everything binding or
/// releasing named devices checks (group viability, `--group` companions, safety of each device),
/// without reading every PCI function of the machine. On a host with many VFs that full read was
/// most of a bind's cost, and it grew with devices the command never touches. The records leave
/// out the NUMA node and the upstream bridge (nil), which nothing that binds or releases looks at:
/// each device is opened by its `bus/pci/devices` link (whose target is never read) or next to its
/// siblings, so its canonical path is not known.
public struct GroupClosureReader: Sendable {
    let sysfs: any SysfsAccess
    /// Off when no rule will be consulted (`bind --driver`, `unbind`): the revision and a VF's
    /// `physfn` link, which only rules look at, are then left unread (nil), two lookups less per
    /// device. A VF's SR-IOV state then reads as a device without SR-IOV.
    let consultsRules: Bool

    public init(sysfs: any SysfsAccess, consultsRules: Bool = true) {
        self.sysfs = sysfs
        self.consultsRules = consultsRules
    }

    /// nil when a group's member list cannot be read (the caller then reads everything). A named
    /// address that does not exist is simply absent, as it is from a full enumeration.
    public func inventory(of addresses: [PCIAddress]) -> DeviceInventory? {
        let reader = DeviceReader(
            sysfs: sysfs, readsNUMANode: false, readsRevision: consultsRules,
            readsPhysfn: consultsRules, identitySource: .modalias)
        // First in, first out: named devices are read in the order given (usually address order,
        // which spares DeviceInventory a sort), group members after them.
        var pending = addresses
        var next = 0
        var queued = Set(addresses)
        var listedGroups: Set<IOMMUGroup> = []
        listedGroups.reserveCapacity(addresses.count)
        var devices: [PCIDevice] = []
        devices.reserveCapacity(addresses.count)
        var warnings: [String] = []
        while next < pending.count {
            let address = pending[next]
            next += 1
            // Opened by its bus link, which the kernel resolves (beneath the root), or next to its
            // siblings: the writes to this device go through the same held directory.
            let directory: any SysfsDirectory
            do {
                directory = try sysfs.openDevice(address)
            } catch {
                if !error.isMissing { warnings.append("skipping \(address): \(DeviceReader.cannotOpen(error))") }
                continue
            }
            switch reader.read(address: address, directory: directory, at: .busLink(address)) {
            case .skipped(let reason):
                warnings.append("skipping \(address): \(reason)")
            case .device(let device):
                devices.append(device)
                guard let group = device.iommuGroup, listedGroups.insert(group).inserted else { continue }
                guard let members = try? sysfs.iommuGroupMembers(group) else { return nil }
                for member in members where queued.insert(member).inserted {
                    pending.append(member)
                }
            }
        }
        return DeviceInventory(devices: devices, warnings: warnings)
    }

}
