#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Checks made before the first write. Each failure is a refusal (exit 3), not-found (4) or
/// permission problem (5), and nothing has been changed when one is thrown.
enum Preflight {
    /// Members of the requested devices' groups that must move too with `--group`: endpoints only
    /// (bridges and pcieport stay where they are; VFIO does not need them).
    static func groupCompanions(of devices: [PCIDevice], in inventory: DeviceInventory) -> [PCIDevice] {
        let requested = Set(devices.map(\.address))
        var extra: [PCIDevice] = []
        for group in Set(devices.compactMap(\.iommuGroup)).sorted() {
            for member in inventory.members(of: group)
            where !requested.contains(member.address) && !member.isBridge && member.driver != .pcieport
                && !extra.contains(where: { $0.address == member.address })
            {
                extra.append(member)
            }
        }
        return extra
    }

    /// The groups touched by moving `targets` (address -> driver after the operation) that would
    /// not be usable by VFIO afterwards, with the members that block each.
    static func groupsLeftUnusable(
        targets: [PCIAddress: DriverName?], inventory: DeviceInventory,
        vfioDrivers: VFIODriverSet
    ) -> [(IOMMUGroup, [PCIDevice])] {
        var result: [(IOMMUGroup, [PCIDevice])] = []
        let groups = Set(targets.keys.compactMap { inventory.iommuGroup(of: $0) })
        for group in groups.sorted() {
            // Positions, not records: copying every member of every group was a cost per device.
            let members = inventory.memberPositions(of: group)
            // One pass, each member's target looked up once (nil: it does not move).
            var anyToVFIO = false
            var blockers: [Int] = []
            for position in members {
                let target = targets[inventory.devices[position].address]
                if let target, let driver = target, vfioDrivers.isVFIO(driver) { anyToVFIO = true }
                if let after = target ?? inventory.devices[position].driver, !vfioDrivers.isHarmlessForVFIO(after) {
                    blockers.append(position)
                }
            }
            // A group nobody moves into VFIO is none of our business.
            guard anyToVFIO else { continue }
            if !blockers.isEmpty { result.append((group, blockers.map { inventory.devices[$0] })) }
        }
        return result
    }

    /// new_id binds every unbound device with the same ids: refuse when any is not part of the request.
    static func newIDCollateral(
        for device: PCIDevice, requested: Set<PCIAddress>, inventory: DeviceInventory
    ) -> [PCIDevice] {
        inventory.devices.filter {
            $0.address != device.address && !requested.contains($0.address) && $0.driver == nil
                && $0.identity.vendor == device.identity.vendor && $0.identity.device == device.identity.device
        }
    }

    /// Writing sysfs needs root (CAP_SYS_ADMIN for the PCI attributes); say so before the first write.
    static func checkWritable(_ address: PCIAddress, kernel: any KernelAccess) throws(VFIOError) {
        if geteuid() == 0 { return }
        let path = kernel.displayPath(PCIPaths.override(address))
        if access(path, W_OK) == 0 { return }
        throw VFIOError(
            .permissionDenied, "changing drivers needs root: \(path) is not writable by this user",
            hint: "run with sudo, or use --dry-run to see what would be done")
    }
}
