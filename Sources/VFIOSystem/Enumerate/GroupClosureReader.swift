#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Reads only the named devices and the other members of their IOMMU groups: everything binding or
/// releasing named devices checks (group viability, `--group` companions, safety of each device),
/// and everything `list` and `show` print about them, without reading every PCI function of the
/// machine. On a host with many VFs that full read was most of a bind's cost, and it grew with
/// devices the command never touches.
public struct GroupClosureReader: Sendable {
    let sysfs: any SysfsAccess
    let records: Records
    /// Whether the other members of the named devices' IOMMU groups are read too (`list` prints
    /// only the named devices).
    let readsGroupMembers: Bool
    /// Devices with a write still blocked in the kernel: their lock-taking attributes are left
    /// unread (`PendingDeviceWrites`).
    public var pendingWrites = PendingDeviceWrites()

    /// What each device's record holds.
    public enum Records: Sendable {
        /// What binding or releasing looks at: the NUMA node and the upstream bridge are left out
        /// (nil), since each device is opened by its `bus/pci/devices` link (whose target is never
        /// read) or next to its siblings, so its canonical path is not known. `consultsRules` off
        /// (`bind --driver`, `unbind`): the revision and a VF's `physfn` link, which only rules look
        /// at, are left unread too (nil), two lookups less per device; a VF's SR-IOV state then
        /// reads as a device without SR-IOV.
        case forChanging(consultsRules: Bool)
        /// The records a whole enumeration makes (`list`, `show`), each device read at its
        /// canonical path, with this host-use scan.
        case asEnumerated(hostUse: HostUseScan)
    }

    public init(sysfs: any SysfsAccess, consultsRules: Bool = true) {
        self.init(sysfs: sysfs, records: .forChanging(consultsRules: consultsRules))
    }

    public init(sysfs: any SysfsAccess, records: Records, readsGroupMembers: Bool = true) {
        self.sysfs = sysfs
        self.records = records
        self.readsGroupMembers = readsGroupMembers
    }

    /// nil when a group's member list cannot be read (the caller then reads everything). A named
    /// address that does not exist is simply absent, as it is from a full enumeration.
    public func inventory(of addresses: [PCIAddress]) -> DeviceInventory? {
        var reader =
            switch records {
            case .forChanging(let consultsRules):
                DeviceReader(
                    sysfs: sysfs, readsNUMANode: false, readsRevision: consultsRules,
                    readsPhysfn: consultsRules, identitySource: .modalias)
            case .asEnumerated(let hostUse): DeviceReader(sysfs: sysfs, hostUse: hostUse)
            }
        reader.pendingWrites = pendingWrites
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
            let outcome: DeviceReader.Outcome
            switch records {
            case .forChanging:
                // Opened by its bus link, which the kernel resolves (beneath the root), or next to its
                // siblings: the writes to this device go through the same held directory.
                let directory: any SysfsDirectory
                do {
                    directory = try sysfs.openDevice(address)
                } catch {
                    if !error.isMissing { warnings.append("skipping \(address): \(DeviceReader.cannotOpen(error))") }
                    continue
                }
                outcome = reader.read(address: address, directory: directory, at: .busLink(address))
            case .asEnumerated:
                guard let path = canonicalPath(of: address, warnings: &warnings) else { continue }
                outcome = reader.read(address: address, at: path)
            }
            switch outcome {
            case .skipped(let reason):
                warnings.append("skipping \(address): \(reason)")
            case .device(let device):
                devices.append(device)
                guard readsGroupMembers, let group = device.iommuGroup, listedGroups.insert(group).inserted
                else { continue }
                guard let members = try? sysfs.iommuGroupMembers(group) else { return nil }
                for member in members where queued.insert(member).inserted {
                    pending.append(member)
                }
            }
        }
        return DeviceInventory(devices: devices, warnings: warnings)
    }

    /// The device's directory as a whole enumeration finds it: the target of its `bus/pci/devices`
    /// link, resolved lexically (a directory in the link's place is taken as it is). nil for a device
    /// that does not exist (silently, as it is absent from a whole enumeration) or cannot be reached
    /// (with a warning).
    private func canonicalPath(of address: PCIAddress, warnings: inout [String]) -> String? {
        let name = address.description
        do {
            return try SysfsWalkEnumerator.resolvedDeviceLink(name, sysfs: sysfs, warnings: &warnings)
        } catch {
            if error.isMissing { return nil }
            if error.errno == EINVAL { return SysfsWalkEnumerator.devicesDirectory + "/" + name }
            warnings.append("skipping \(name): \(error)")
            return nil
        }
    }
}
