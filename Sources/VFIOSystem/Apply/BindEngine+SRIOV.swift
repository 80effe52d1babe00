import VFIOCore

/// `sriov DEVICE --vfs N`: VFs are created with driver autoprobe off (so host drivers do not grab
/// devices meant for VFIO, and nvme does not fail on them), and a different count needs 0 first
/// (the kernel answers EBUSY otherwise). What vfioctl changed is recorded (SRIOVRecord) and put
/// back once it is no longer needed: `--vfs 0` turns autoprobe back to what it was.
extension BindEngine {
    public func setVirtualFunctions(
        _ pf: PCIDevice, count: Int, inventory: DeviceInventory, options: Options
    ) -> OperationReport {
        var report = OperationReport(operation: "sriov", dryRun: options.dryRun)
        report.checks += recoveryNotes
        do throws(VFIOError) {
            let record = try store.readSRIOV().first { $0.pf == pf.address }
            // VFs for VFIO need autoprobe off; with none left, the setting vfioctl found comes back.
            let autoprobe = count > 0 ? false : record?.originalAutoprobe
            try changeVirtualFunctions(
                pf, count: count, autoprobe: autoprobe, inventory: inventory, options: options,
                report: &report
            ) { records, before, changed in
                if count == 0 {
                    records.removeAll { $0.pf == pf.address }
                } else if changed && !records.contains(where: { $0.pf == pf.address }) {
                    records.append(
                        SRIOVRecord(pf: pf.address, originalAutoprobe: before.autoprobe, originalVFs: before.count))
                }
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// Puts a PF's VF count and driver autoprobe back to `count` and `autoprobe` (autoprobe first,
    /// so re-created VFs probe as they did then), and its record back to `record` (nil: none).
    /// For `persist disable --restore` and for a failed `apply` or `sriov --bind`.
    public func restoreVirtualFunctions(
        _ pf: PCIDevice, count: Int, autoprobe: Bool, record: SRIOVRecord?,
        inventory: DeviceInventory, options: Options
    ) -> OperationReport {
        var report = OperationReport(operation: "sriov", dryRun: options.dryRun)
        do throws(VFIOError) {
            try changeVirtualFunctions(
                pf, count: count, autoprobe: autoprobe, inventory: inventory, options: options,
                report: &report
            ) { records, _, _ in
                records.removeAll { $0.pf == pf.address }
                if let record { records.append(record) }
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// `persist disable --restore`: every PF whose SR-IOV settings vfioctl changed goes back to the
    /// VF count and driver autoprobe it had before, and its record is dropped.
    public func restoreRecordedVirtualFunctions(inventory: DeviceInventory, options: Options) -> OperationReport {
        var report = OperationReport(operation: "sriov", dryRun: options.dryRun)
        do throws(VFIOError) {
            for record in try store.readSRIOV() {
                guard let pf = inventory[record.pf] else {
                    report.checks.append("note: \(record.pf) is gone: its SR-IOV settings cannot be put back")
                    continue
                }
                let result = restoreVirtualFunctions(
                    pf, count: record.originalVFs, autoprobe: record.originalAutoprobe,
                    record: nil, inventory: inventory, options: options)
                report.devices += result.devices
                report.checks += result.checks
                if let error = result.error { throw error }
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// The PF's SR-IOV settings when a change starts.
    struct SRIOVSettings {
        var count: Int
        var autoprobe: Bool
    }

    /// Writes autoprobe (when `autoprobe` is not nil and differs), then the count (0 first when it
    /// changes), under the lock; `updateRecords` then edits the SR-IOV records. On a failed write
    /// the PF is put back as it was. `updateRecords` is told the settings before and whether
    /// anything was written.
    private func changeVirtualFunctions(
        _ pf: PCIDevice, count: Int, autoprobe: Bool?, inventory: DeviceInventory,
        options: Options, report: inout OperationReport,
        updateRecords: (inout [SRIOVRecord], SRIOVSettings, Bool) -> Void
    ) throws(VFIOError) {
        guard let total = pf.sriov.totalVFs else {
            throw .usage("\(pf.address) is not an SR-IOV physical function (it has no sriov_totalvfs)")
        }
        guard (0...total).contains(count) else {
            throw .usage("\(pf.address) supports at most \(total) VFs, not \(count)")
        }
        guard pf.driver != nil else {
            throw VFIOError(
                .refused, "\(pf.address) has no driver: the PF's driver creates VFs",
                hint: "bind it to its host driver first (vfioctl unbind \(pf.address))")
        }
        let before = SRIOVSettings(count: pf.sriov.numVFs ?? 0, autoprobe: pf.sriov.driversAutoprobe ?? true)
        let writesAutoprobe = autoprobe.map { $0 != before.autoprobe } ?? false
        let from = DeviceBinding(driver: pf.driver, override: pf.driverOverride)
        if before.count == count && !writesAutoprobe {
            report.devices.append(
                .init(
                    address: pf.address, from: from, to: pf.driver, status: .unchanged, group: pf.iommuGroup,
                    message: "\(count) VFs already"))
            if !options.dryRun {
                let (lock, heldByCaller) = try operationLock(options)
                defer { if !heldByCaller { lock.release() } }
                try editSRIOVRecords { updateRecords(&$0, before, false) }
            }
            return
        }
        // Destroying VFs unbinds them: the same checks as unbinding them by hand.
        if before.count != count && before.count > 0 {
            let checker = SafetyChecker(host: host, vfioDrivers: vfioDrivers)
            var refusals: [String] = []
            for vf in pf.sriov.virtfns.compactMap({ inventory[$0] }) {
                // Forced findings are reported as overridden, as bind and unbind report them.
                screen(
                    checker.findings(for: vf).filter { $0.code != .bridge }, options: options, report: &report,
                    refusals: &refusals)
            }
            if !refusals.isEmpty {
                throw VFIOError(
                    .refused,
                    "removing the VFs of \(pf.address) would disturb them: " + refusals.joined(separator: "; "),
                    hint: "nothing was changed")
            }
        }
        if !options.dryRun { try Preflight.checkWritable(pf.address, kernel: kernel) }

        let writer = KernelWriter(kernel: kernel, dryRun: options.dryRun)
        // Removing VFs unbinds each: a VFIO user holding one blocks the write until it lets go.
        writer.writeTimeout = options.timeout
        // The caller's lock stays held: `sriov --bind` binds the new VFs under it.
        let lock = options.dryRun ? nil : try operationLock(options)
        defer { if let lock, !lock.heldByCaller { lock.lock.release() } }
        var result = OperationReport.DeviceResult(
            address: pf.address, from: from, to: pf.driver,
            status: options.dryRun ? .planned : .changed, group: pf.iommuGroup,
            message: "\(before.count) -> \(count) VFs")
        do throws(SysfsError) {
            if writesAutoprobe { try writer.write(PCIPaths.sriovAutoprobe(pf.address), autoprobe! ? "1" : "0") }
            if before.count != count && before.count > 0 { try writer.write(PCIPaths.sriovNumVFs(pf.address), "0") }
            if before.count != count && count > 0 { try writer.write(PCIPaths.sriovNumVFs(pf.address), String(count)) }
        } catch {
            if let pending = writer.pending {
                result.steps = writer.steps
                result.status = .failed
                result.message = "the \(pending.description) is still blocked in the kernel"
                report.devices.append(result)
                throw pendingVFWrite(pending, pf: pf, inventory: inventory, options: options)
            }
            result.steps = writer.steps
            // Put the PF back as it was: its autoprobe setting, then its VF count.
            if writesAutoprobe { try? writer.write(PCIPaths.sriovAutoprobe(pf.address), before.autoprobe ? "1" : "0") }
            if before.count > 0 {
                try? writer.write(PCIPaths.sriovNumVFs(pf.address), "0")
                try? writer.write(PCIPaths.sriovNumVFs(pf.address), String(before.count))
            }
            result.status = .failed
            result.message = "setting \(count) VFs failed: \(errnoName(error.errno))"
            report.devices.append(result)
            throw VFIOError(
                error.errno == ERANGE_CODE ? .usage : .failed,
                "\(pf.address): writing \(error.path) failed with \(errnoName(error.errno))",
                hint: "the PF was put back to \(before.count) VFs")
        }
        result.steps = writer.steps
        report.devices.append(result)
        guard !options.dryRun else { return }
        try editSRIOVRecords { updateRecords(&$0, before, true) }
        // Changing the count destroys every VF that existed: their records go with them.
        if before.count != count && !pf.sriov.virtfns.isEmpty {
            let destroyed = Set(pf.sriov.virtfns)
            let managed = try store.readManaged()
            if managed.contains(where: { destroyed.contains($0.address) }) {
                try store.writeManaged(managed.filter { !destroyed.contains($0.address) })
            }
        }
    }

    /// Exit 6 for a write to `sriov_numvfs` still blocked in the kernel (a VF's VFIO user holds it):
    /// the journal records it, so the next writing command and `recover` wait for it; nothing else
    /// is written (any write to the PF would block behind it), and its records are left as they were.
    private func pendingVFWrite(
        _ pending: KernelWriter.PendingWrite, pf: PCIDevice, inventory: DeviceInventory, options: Options
    ) -> VFIOError {
        var journaled = ""
        do {
            var write = pending.journaled(for: pf.address)
            // Every VF that exists goes with a change of the count: recovery drops their records
            // once the write has returned.
            write.destroys = pf.sriov.virtfns
            try store.recordPendingWrite(write, operation: "sriov", started: clock())
            journaled = "the journal at \(store.directory) records it: then run 'vfioctl recover'"
        } catch {
            journaled = "recording it in the journal failed too: \(error.message)"
        }
        let holders = pf.sriov.virtfns.flatMap { holderLines($0, group: inventory[$0]?.iommuGroup) }
        return VFIOError(
            .timedOut,
            "\(pf.address): the \(pending.description) did not return within \(options.timeout) s"
                + (holders.isEmpty ? "; no process was seen holding its VFs" : "; " + holders.joined(separator: "; ")),
            hint: "it returns once they close the VFs; " + journaled)
    }

    /// Edits the SR-IOV records (the caller holds the lock); writes only when something changed.
    private func editSRIOVRecords(_ edit: (inout [SRIOVRecord]) -> Void) throws(VFIOError) {
        let records = try store.readSRIOV()
        var edited = records
        edit(&edited)
        if edited != records { try store.writeSRIOV(edited) }
    }
}

#if canImport(Glibc)
import Glibc
let ERANGE_CODE = Glibc.ERANGE
#endif
