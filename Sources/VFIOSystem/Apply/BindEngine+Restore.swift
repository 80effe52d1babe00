#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Putting devices back to a state seen earlier, binding and managed record both: what a failed
/// `apply` does for the VFs that its VF-count change destroyed and its rollback re-created (a
/// re-created VF comes back unbound, or on its host driver, and without its record).
extension BindEngine {
    /// One device as it was before a transaction: where it was bound and what vfioctl recorded.
    public struct PriorState: Sendable {
        public var address: PCIAddress
        public var vendor: VendorID
        public var device: DeviceID
        public var binding: DeviceBinding
        public var record: ManagedDevice?

        public init(_ device: PCIDevice, record: ManagedDevice?) {
            address = device.address
            vendor = device.identity.vendor
            self.device = device.identity.device
            binding = DeviceBinding(driver: device.driver, override: device.driverOverride)
            self.record = record
        }
    }

    /// Binds each device back to its prior driver and override (journaled, so an interruption is
    /// finished by `vfioctl recover`) and puts its managed record back as it was.
    public func restoreDevices(
        _ prior: [PriorState], inventory: DeviceInventory, options: Options,
        reason: String
    ) -> OperationReport {
        var report = OperationReport(operation: "rollback", dryRun: options.dryRun)
        guard !options.dryRun, !prior.isEmpty else { return report }
        do throws(VFIOError) {
            let (lock, heldByCaller) = try operationLock(options)
            defer { if !heldByCaller { lock.release() } }
            // A device that did not come back (other hardware, fewer VFs) cannot be put anywhere.
            let present = prior.filter { state in
                inventory[state.address].map {
                    $0.identity.vendor == state.vendor && $0.identity.device == state.device
                } ?? false
            }
            let presentAddresses = Set(present.map(\.address))
            let gone = prior.filter { !presentAddresses.contains($0.address) }
            for state in gone {
                report.devices.append(
                    .init(
                        address: state.address, from: state.binding, to: nil, status: .failed, group: nil,
                        message: "\(reason); it did not come back", restoreError: "the device is not there"))
            }
            let journalFile = try store.writeJournal(
                Journal(
                    operation: "rollback", pid: Int(getpid()), started: clock(),
                    entries: present.map {
                        Journal.Entry(
                            address: $0.address, identity: inventory[$0.address]!.identity, original: $0.binding)
                    }))
            defer { journalFile.close() }
            let mover = DeviceMover(writer: KernelWriter(kernel: kernel, dryRun: false))
            var managed = try readManagedByAddress()
            var stuck: [String] = []
            for state in present {
                let device = inventory[state.address]!
                let now = DeviceBinding(driver: device.driver, override: device.driverOverride)
                var result = OperationReport.DeviceResult(
                    address: state.address, from: state.binding, to: state.binding.driver,
                    status: now == state.binding ? .unchanged : .rolledBack,
                    group: device.iommuGroup, message: reason)
                let mark = mover.writer.mark
                // Marked before its first write, as in a transaction: recovery moves only marked devices.
                try journalFile.markMoving(state.address)
                do throws(BindFailure) {
                    try mover.restore(state.address, to: state.binding)
                    if let driver = state.binding.driver, vfioDrivers.isVFIO(driver) {
                        result.nodes = nodeReader.present(state.address, group: device.iommuGroup)
                    }
                } catch {
                    result.status = .failed
                    result.restoreError = error.message
                    result.message = "\(reason); putting it back on \(state.binding) failed: \(error.message)"
                    stuck.append("\(state.address) (\(error.message))")
                }
                result.steps = mover.writer.steps(since: mark)
                report.devices.append(result)
                managed[state.address] = state.record
            }
            for state in gone { managed[state.address] = nil }
            try store.writeManaged(Array(managed.values))
            guard stuck.isEmpty else {
                throw VFIOError(
                    .failed, "putting back \(stuck.joined(separator: ", ")) failed",
                    hint: "the journal at \(store.directory) is kept; run 'vfioctl recover'")
            }
            try store.removeJournal()
            if !gone.isEmpty {
                throw VFIOError(
                    .failed, "\(gone.map(\.address.description).joined(separator: ", ")) did not come back",
                    hint: "check 'vfioctl list'")
            }
        } catch {
            report.error = error
        }
        return report
    }
}
