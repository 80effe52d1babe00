#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// `vfioctl recover`: finishing the rollback of a transaction that was interrupted (crash, SIGKILL).
/// The journal is evidence, not an order. Before any write, every device the transaction reached
/// (a `[[moving]]` mark) must still exist with the ids and class it recorded, and moving it back
/// passes the same safety checks as a bind (`--force CODE` on `recover` overrides them). A journal
/// that fails is refused and left in place for the administrator; devices the transaction never
/// reached are not touched.
extension BindEngine {
    /// Writing commands call this before they read the devices: a journal left by an interrupted
    /// run is rolled back first, so the command plans from the state recovery produced (otherwise
    /// its own recovery would look like a concurrent change). nil when there was nothing to do.
    /// This automatic recovery overrides no safety check: the command's own `--force` is for its
    /// devices.
    public func recoverPending(options: Options) -> OperationReport? {
        guard !options.dryRun else { return awaitPendingWritesOfDryRun(options: options) }
        do {
            guard try store.readJournal() != nil else { return nil }
        } catch {
            var report = OperationReport(operation: "recover", dryRun: false)
            report.error = error
            return report
        }
        var plain = options
        plain.forced = []
        var report = recover(options: plain)
        // Another vfioctl may have finished the journal while this one waited for the lock.
        report.checks.removeAll { $0 == Self.nothingToRecover }
        return report.checks.isEmpty && report.devices.isEmpty && report.error == nil ? nil : report
    }

    /// A dry run recovers nothing, but it reads the devices as the real run reads them after its
    /// recovery, and a write still blocked in the kernel holds its device's lock: reading that device
    /// (its driver_override) would wait with the write. So the dry run first waits for such a write as
    /// the real run does, within --timeout (exit 6 after it), and writes nothing.
    private func awaitPendingWritesOfDryRun(options: Options) -> OperationReport? {
        var report = OperationReport(operation: "recover", dryRun: true)
        do throws(VFIOError) {
            guard let journal = try store.readOnly.readJournal(), !journal.pending.isEmpty else { return nil }
            try awaitPendingWrites(of: journal, timeout: options.timeout, report: &report)
        } catch {
            report.error = error
        }
        return report
    }

    /// Finishes the rollback of an interrupted transaction. Safe to run any time.
    public func recover(options: Options) -> OperationReport {
        var report = OperationReport(operation: "recover", dryRun: options.dryRun)
        do throws(VFIOError) {
            if options.dryRun {
                try describeRecovery(options: options, report: &report)
                return report
            }
            // The caller's lock stays held: the command goes on to read the devices under it.
            let (lock, heldByCaller) = try operationLock(options)
            defer { if !heldByCaller { lock.release() } }
            if try !recoverLocked(forced: options.forced, timeout: options.timeout, report: &report) {
                report.checks.append(Self.nothingToRecover)
            }
        } catch {
            report.error = error
        }
        return report
    }

    public static let nothingToRecover = "nothing to recover"

    /// `recover --dry-run`: what recovery would write, read without the lock and without creating
    /// anything. A journal whose writer still holds the lock is a run in progress, not a crash.
    private func describeRecovery(options: Options, report: inout OperationReport) throws(VFIOError) {
        let store = store.readOnly
        guard let journal = try store.readJournal() else {
            report.checks.append(Self.nothingToRecover)
            return
        }
        if let holder = try store.lockHolder() {
            report.checks.append(Self.inProgress(journal, holder: holder))
            return
        }
        report.checks.append(
            "journal of '\(journal.operation)' (pid \(journal.pid)) lists \(journal.entries.count) device(s)")
        var blocked = false
        for write in journal.pending {
            let pending = kernel.writeIsPending(pid: write.pid)
            blocked = blocked || pending
            report.checks.append(
                pending
                    ? "the \(write.description) is still blocked in the kernel: recovery waits for it first"
                    : "the \(write.description) has returned")
        }
        // Reading the devices now would wait for the lock the blocked write holds (their
        // driver_override): what recovery would do is known only once it returns.
        guard !blocked else {
            report.checks.append("the devices are read once the write returns: run this again then")
            return
        }
        let mover = DeviceMover(writer: KernelWriter(kernel: kernel, dryRun: true))
        for target in try recoveryTargets(journal, forced: options.forced, report: &report) {
            let entry = target.entry
            let mark = mover.writer.mark
            guard target.current != entry.original else {
                report.devices.append(
                    .init(
                        address: entry.address, from: target.current, to: entry.original.driver,
                        status: .unchanged, group: nil, message: "already on \(entry.original)"))
                continue
            }
            try? mover.restore(entry.address, to: entry.original)
            if let words = entry.originalResetMethod { try? mover.setResetMethods(entry.address, words) }
            report.devices.append(
                .init(
                    address: entry.address, from: target.current, to: entry.original.driver,
                    status: .planned, group: nil, steps: mover.writer.steps(since: mark)))
        }
    }

    /// What `status` and `recover --dry-run` say when the journal's run still holds the lock.
    static func inProgress(_ journal: Journal, holder: Int) -> String {
        holder == journal.pid
            ? "a vfioctl run (PID \(holder)) is in progress; nothing to recover"
            : "another vfioctl (PID \(holder)) holds the lock and will roll back the interrupted '\(journal.operation)' of PID \(journal.pid) itself; nothing to recover now"
    }

    /// Rolls back the journal's devices, with the lock held (so the journal's writer is gone: flock
    /// dies with it), once the writes it left pending have returned (waiting at most `timeout`
    /// seconds for them). false when there was no journal.
    @discardableResult
    func recoverLocked(forced: Set<String>, timeout: Double, report: inout OperationReport) throws(VFIOError) -> Bool {
        guard let journal = try store.readJournal() else { return false }
        try awaitPendingWrites(of: journal, timeout: timeout, report: &report)
        let targets = try recoveryTargets(journal, forced: forced, report: &report)
        let writer = KernelWriter(kernel: kernel, dryRun: false, crashAfterWrite: nil)
        // Bounded too: a device of the journal may still be held.
        writer.writeTimeout = timeout
        let mover = DeviceMover(writer: writer)
        for target in targets {
            let entry = target.entry
            let mark = mover.writer.mark
            do throws(BindFailure) {
                try mover.restore(entry.address, to: entry.original)
                // The interrupted bind may have written reset_method before it moved the device.
                if let words = entry.originalResetMethod { try mover.setResetMethods(entry.address, words) }
            } catch {
                throw VFIOError(
                    .failed, "recovering \(entry.address) to \(entry.original) failed: \(error.message)",
                    hint:
                        "the journal \(store.journalPath) is kept; fix the device by hand, then run 'vfioctl recover' again"
                )
            }
            report.devices.append(
                .init(
                    address: entry.address, from: target.current, to: entry.original.driver,
                    status: target.current == entry.original ? .unchanged : .changed, group: nil,
                    steps: mover.writer.steps(since: mark),
                    message: "recovered from an interrupted '\(journal.operation)'"))
        }
        try forgetDestroyedVFs(journal, report: &report)
        try store.removeJournal()
        report.checks.append(Self.recoveredLine(journal, movedBack: !targets.isEmpty))
        return true
    }

    /// What recovery did: a journal with no device the run reached (`reset` and `sriov` journal
    /// only the write they left pending) had nothing to roll back.
    static func recoveredLine(_ journal: Journal, movedBack: Bool) -> String {
        if movedBack { return "rolled back an interrupted '\(journal.operation)' of pid \(journal.pid)" }
        let run = "the interrupted '\(journal.operation)' of pid \(journal.pid)"
        if journal.pending.isEmpty { return "\(run) had changed no device; nothing to roll back" }
        return "the pending write of \(run) completed; nothing to roll back"
    }

    /// A removal of VFs that returned destroyed them: their managed records go, as `sriov` drops
    /// them when its write returns at once. A listed VF that still exists (the write failed) keeps
    /// its record.
    private func forgetDestroyedVFs(_ journal: Journal, report: inout OperationReport) throws(VFIOError) {
        let listed = Set(journal.pending.flatMap(\.destroys))
        guard !listed.isEmpty else { return }
        let managed = try store.readManaged()
        let gone = Set(
            managed.map(\.address).filter { listed.contains($0) && (try? kernel.openDevice($0)) == nil })
        guard !gone.isEmpty else { return }
        try store.writeManaged(managed.filter { !gone.contains($0.address) })
        report.checks.append(
            "dropped the records of \(gone.sorted().map(\.description).joined(separator: ", ")): the completed removal of VFs destroyed them"
        )
    }

    /// A write the interrupted run left blocked in the kernel holds its device's lock there: any
    /// write to the device would block behind it, and what the device ends on is known only once
    /// it returns. Waits at most `timeout` seconds for every one of them; exit 6, nothing written
    /// and the journal kept, when one is still blocked then.
    private func awaitPendingWrites(
        of journal: Journal, timeout: Double, report: inout OperationReport
    ) throws(VFIOError) {
        guard !journal.pending.isEmpty else { return }
        let deadline = Monotonic.now() + timeout
        // A write that returned while vfioctl was away is seen at once; one that is returning now
        // is seen within milliseconds, without spinning for the whole timeout.
        var pause: UInt32 = 1_000
        var blocked = journal.pending.filter { kernel.writeIsPending(pid: $0.pid) }
        while !blocked.isEmpty {
            guard Monotonic.now() < deadline else {
                let holders = blocked.compactMap(\.address).flatMap { holderLines($0, group: currentGroup($0)) }
                throw VFIOError(
                    .timedOut,
                    "the interrupted '\(journal.operation)' of pid \(journal.pid) left writes still blocked in the kernel after \(timeout) s: "
                        + blocked.map(\.description).joined(separator: "; ")
                        + (holders.isEmpty ? "" : "; " + holders.joined(separator: "; "))
                        + "; nothing was recovered",
                    hint:
                        "they return once the device's users close it (nvidia-persistenced holds NVIDIA GPUs: stop it); the journal \(store.journalPath) is kept: then run 'vfioctl recover'"
                )
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
            blocked = blocked.filter { kernel.writeIsPending(pid: $0.pid) }
        }
        for write in journal.pending {
            report.checks.append(
                "the \(write.description) left pending by the interrupted '\(journal.operation)' has returned")
        }
    }

    struct RecoveryTarget {
        var entry: Journal.Entry
        var current: DeviceBinding
    }

    /// The devices recovery may move back, after every check and before any write: only those the
    /// transaction reached, each still the hardware the journal recorded, each passing the safety
    /// checks a bind would (unless `forced`). Throws, changing nothing, when any fails.
    private func recoveryTargets(
        _ journal: Journal, forced: Set<String>,
        report: inout OperationReport
    ) throws(VFIOError) -> [RecoveryTarget] {
        let file = store.journalPath
        let keep =
            "nothing was changed; the journal is left in place: check the devices it lists by hand, then remove it"
        let checker = SafetyChecker(host: host, vfioDrivers: vfioDrivers)
        var options = Options()
        options.forced = forced
        var targets: [RecoveryTarget] = []
        var refusals: [String] = []
        for entry in journal.entries {
            guard entry.moving else {
                report.checks.append(
                    "\(entry.address): never reached by the interrupted '\(journal.operation)'; left alone")
                continue
            }
            guard let device = readDevice(entry.address) else {
                throw VFIOError(
                    .usage, "\(file) names \(entry.address), which does not exist now; nothing was recovered",
                    hint: keep)
            }
            let now = device.identity
            let then = entry.identity
            guard now.vendor == then.vendor, now.device == then.device, now.subsystemVendor == then.subsystemVendor,
                now.subsystemDevice == then.subsystemDevice, now.classCode == then.classCode
            else {
                throw VFIOError(
                    .usage,
                    "\(file) recorded \(entry.address) as \(Self.describe(then)), but it is \(Self.describe(now)) now; nothing was recovered",
                    hint: keep)
            }
            let current = DeviceBinding(driver: device.driver, override: device.driverOverride)
            if current != entry.original {
                screen(checker.findings(for: device), options: options, report: &report, refusals: &refusals)
            } else {
                // Where the journal left it, but held open: a write of the interrupted run may still
                // be blocked in the kernel for it (an unbind waits for the user), and will land once
                // the user lets go; the journal must outlive that.
                screen(
                    checker.findings(for: device).filter { $0.code == .openFD }, options: options, report: &report,
                    refusals: &refusals)
            }
            targets.append(RecoveryTarget(entry: entry, current: current))
        }
        guard refusals.isEmpty else {
            report.checks += refusals.map { "refused: \($0)" }
            throw VFIOError(
                .refused,
                "recovering the interrupted '\(journal.operation)' was refused: " + refusals.joined(separator: "; "),
                hint: "nothing was changed and the journal is kept; 'vfioctl recover --force CODE' overrides a check")
        }
        return targets
    }

    /// One device, read as a bind reads it (ids, class, driver, host use), nil when it is not there.
    func readDevice(_ address: PCIAddress) -> PCIDevice? {
        let reader = DeviceReader(
            sysfs: kernel, readsNUMANode: false, readsRevision: false, readsPhysfn: false,
            identitySource: .modalias)
        guard let directory = try? kernel.openDevice(address),
            case .device(let device) = reader.read(address: address, directory: directory, at: .busLink(address))
        else { return nil }
        return device
    }

    private static func describe(_ identity: PCIIdentity) -> String {
        "\(identity.vendor):\(identity.device) (subsystem \(identity.subsystemVendor):\(identity.subsystemDevice), class \(identity.classCode))"
    }
}
