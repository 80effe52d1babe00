import VFIOCore

/// The devices whose lock a write vfioctl left blocked in the kernel still holds: the journal's
/// `[[pending]]` writes whose process still runs, each for its device and, for a removal of VFs,
/// for the VFs it removes (the kernel unbinds each of them under its lock). Reading such a
/// device's `driver_override` or `sriov_numvfs` waits for that lock, so a read-only command would
/// hang until the device's user lets go: `DeviceReader` leaves them unread and says why. So is
/// `uevent` (and libudev's properties, read from it): `uevent_show` takes the device lock too on
/// kernels with the 2024 fix of its race with driver detach (CVE-2024-44952, in 6.1 stable), which
/// later kernels replaced by RCU. The ids, class and driver come from `modalias` and the links.
public struct PendingDeviceWrites: Sendable, Equatable {
    /// The description of the write, by device.
    private var writes: [PCIAddress: String] = [:]

    public init() {}

    /// `writeIsPending` tells whether a write's process still runs (KernelAccess).
    public init(journal: Journal?, writeIsPending: (Int) -> Bool) {
        for write in journal?.pending ?? [] where writeIsPending(write.pid) {
            for address in (write.address.map { [$0] } ?? []) + write.destroys where writes[address] == nil {
                writes[address] = write.description
            }
        }
    }

    /// The journal of the state directory `store` (none, or one that cannot be read: no device).
    public init(store: StateStore, writeIsPending: (Int) -> Bool) {
        self.init(journal: (try? store.readOnly.readJournal()) ?? nil, writeIsPending: writeIsPending)
    }

    public subscript(address: PCIAddress) -> String? { writes[address] }
}
