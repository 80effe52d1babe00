import VFIOCore

/// Undoing a transaction that succeeded when a step that completes the same command failed after it
/// (`bind --owner`: giving the new nodes their owner). A command either does all it was asked or
/// leaves the devices as it found them: exit 1 means failed and put back.
extension BindEngine {
    /// Where each of `devices` is before a transaction, with its managed record: what `undo` puts back.
    public func priorStates(_ devices: [PCIDevice]) throws(VFIOError) -> [PCIAddress: PriorState] {
        let records = try readManagedByAddress()
        return Dictionary(
            devices.map { ($0.address, PriorState($0, record: records[$0.address])) },
            uniquingKeysWith: { first, _ in first })
    }

    /// After `failure`: every device `report` says the transaction changed goes back to its `prior`
    /// binding, override and managed record (journaled, as `restoreDevices` does: an interruption
    /// is finished by `vfioctl recover`). The report's error is `failure` as exit 1, and says
    /// which devices could not be put back when some could not.
    public func undo(
        _ report: inout OperationReport, to prior: [PCIAddress: PriorState], after failure: VFIOError,
        options: Options
    ) {
        let changed = report.devices.filter { $0.status == .changed }.compactMap { prior[$0.address] }
        // Read again: the transaction moved them, and the rollback starts from where they are.
        let now = DeviceInventory(devices: changed.compactMap { readDevice($0.address) })
        let restored = restoreDevices(
            changed, inventory: now, options: options, reason: "put back because \(failure.message)")
        let earlierSteps = Dictionary(
            report.devices.map { ($0.address, $0.steps) }, uniquingKeysWith: { first, _ in first })
        report.supersede(
            with: restored.devices.map { result in
                var result = result
                result.steps = (earlierSteps[result.address] ?? []) + result.steps
                return result
            })
        report.checks += restored.checks
        guard let stuck = restored.error else {
            report.error = VFIOError(
                .failed, failure.message, hint: "every device this command moved was put back where it was")
            return
        }
        report.error = VFIOError(.failed, "\(failure.message); \(stuck.message)", hint: stuck.hint)
    }
}
