import VFIOCore

/// `apply` and `diff`: turn a desired-state file into one transaction of the binding engine.
/// VF counts change first (VFs must exist before they can be bound); then every bind and every
/// return to a host driver happens in one transaction. If that fails, the VF counts go back too.
public struct Reconciler {
    public let engine: BindEngine
    /// Built only when some entry selects a device: the udev hot-plug path runs this for every new
    /// PCI device, and most are not in the file. Given the devices it will plan (it may read only
    /// what concerns them).
    public let makePlanner: (_ devices: [PCIDevice]) throws(VFIOError) -> DriverPlanner
    /// Re-reads the devices (after VFs were created).
    public let enumerate: () throws(VFIOError) -> DeviceInventory
    /// Sets the `owner`/`mode` of the entries that have them (resolved by the caller, by the line of
    /// their entry) on the nodes of the devices they select, once bound.
    public var ownership: (step: NodeOwnershipStep, byEntryLine: [Int: NodeOwnership])?

    public init(
        engine: BindEngine, makePlanner: @escaping (_ devices: [PCIDevice]) throws(VFIOError) -> DriverPlanner,
        enumerate: @escaping () throws(VFIOError) -> DeviceInventory
    ) {
        self.engine = engine
        self.makePlanner = makePlanner
        self.enumerate = enumerate
    }

    public func run(_ state: DesiredState, only: Set<PCIAddress>? = nil, options: BindEngine.Options) -> OperationReport
    {
        var report = OperationReport(operation: "apply", dryRun: options.dryRun)
        do throws(VFIOError) {
            var inventory = try enumerate()
            var resolution = try StateResolution(state, inventory: inventory, only: only)
            report.checks += resolution.notes.map { "note: \($0)" }
            if !resolution.refusals.isEmpty {
                report.checks += resolution.refusals.map { "refused: \($0)" }
                throw VFIOError(
                    .refused,
                    resolution.refusals.count == 1
                        ? resolution.refusals[0]
                        : "\(resolution.refusals.count) entries refused: "
                            + resolution.refusals.joined(separator: "; "),
                    hint: "nothing was changed")
            }

            // 1. VF counts.
            var changedPFs: [PFBefore] = []
            for change in resolution.vfChanges {
                let before = try PFBefore(change.pf, inventory: inventory, store: engine.store)
                let result = engine.setVirtualFunctions(
                    change.pf, count: change.count, inventory: inventory, options: options)
                report.devices += result.devices
                // A failed change may have destroyed the VFs before putting the count back: their
                // drivers and records are put back too.
                if result.devices.contains(where: { $0.status == .changed || $0.status == .failed }) {
                    changedPFs.append(before)
                }
                if let error = result.error {
                    try revert(changedPFs, options: options, report: &report)
                    throw error
                }
            }
            if !changedPFs.isEmpty {
                inventory = try enumerate()
                resolution = try StateResolution(state, inventory: inventory, only: only)
            } else if options.dryRun && !resolution.vfChanges.isEmpty {
                report.checks.append(
                    "note: VFs that do not exist yet are not shown; they are bound by the entries that select them once created"
                )
            }

            // 2. One transaction for every binding.
            if resolution.targets.isEmpty { return report }
            let planner = try makePlanner(resolution.targets.map(\.device))
            var binds: [BindEngine.Request] = []
            var releases: [BindEngine.ReleaseRequest] = []
            for target in resolution.targets {
                let plan = planner.plan(target.device)
                switch target.wanted {
                case .vfio:
                    binds.append(
                        .init(
                            device: target.device, chain: plan.chain, blocked: plan.blocked,
                            noIOMMU: target.entry.noIOMMU, resetMethods: target.entry.resetMethods))
                // What blocks VFIO drivers (no IOMMU group) is checked for a named VFIO driver too;
                // the engine applies it to VFIO drivers only, so pci-stub is not refused for it.
                case .stub:
                    binds.append(
                        .init(
                            device: target.device, chain: planner.explicitChain("pci-stub"), blocked: plan.blocked,
                            resetMethods: target.entry.resetMethods))
                case .driver(let name):
                    binds.append(
                        .init(
                            device: target.device, chain: planner.explicitChain(name), blocked: plan.blocked,
                            noIOMMU: target.entry.noIOMMU, resetMethods: target.entry.resetMethods))
                case .host: releases.append(.init(device: target.device, hostModules: plan.hostModules))
                }
            }
            let owners = wantedOwners(resolution.targets)
            if !owners.isEmpty { try ownership?.step.checkBeforeBind(resolution.targets.map(\.device)) }
            // What a failed ownership step puts back: the devices and their records before the transaction.
            let prior = owners.isEmpty ? [:] : try engine.priorStates(inventory.devices)
            let result = engine.transact(
                operation: "apply", binds: binds, releases: releases, inventory: inventory,
                companions: { BindEngine.Request(device: $0, chain: []) }, options: options)
            report.devices += result.devices
            report.checks += result.checks
            if let error = result.error {
                try revert(changedPFs, options: options, report: &report)
                throw error
            }
            ownership?.step.apply(owners, to: &report, undoing: prior, with: engine, options: options)
            if let error = report.error {
                try revert(changedPFs, options: options, report: &report)
                throw error
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// The ownership each target's entry asks for, by device.
    private func wantedOwners(_ targets: [StateResolution.Target]) -> [PCIAddress: NodeOwnership] {
        guard let ownership else { return [:] }
        var owners: [PCIAddress: NodeOwnership] = [:]
        for target in targets {
            if let owner = ownership.byEntryLine[target.entry.location.line] { owners[target.device.address] = owner }
        }
        return owners
    }

    /// `sriov PF --vfs N [--bind]`: the VF count, then with `bind` every VF through its own plan in
    /// one transaction. If binding fails, the PF and the VFs it had are put back as a failed `apply`
    /// puts them back: one command, one outcome.
    public func setVirtualFunctions(
        of pf: PCIDevice, count: Int, bind: Bool, inventory: DeviceInventory,
        options: BindEngine.Options
    ) -> OperationReport {
        let before: PFBefore
        do { before = try PFBefore(pf, inventory: inventory, store: engine.store) } catch {
            var report = OperationReport(operation: "sriov", dryRun: options.dryRun)
            report.error = error
            return report
        }
        var report = engine.setVirtualFunctions(pf, count: count, inventory: inventory, options: options)
        if report.error == nil, bind, count > 0, options.dryRun {
            // The VFs a dry run would create do not exist, so they cannot be planned: say what follows.
            report.checks.append(
                "note: the VFs would then be bound, each to the driver its own plan chooses (VFs not created yet are not shown)"
            )
        }
        guard report.error == nil, bind, count > 0, !options.dryRun else { return report }
        do throws(VFIOError) {
            // The VFs exist now: read them, plan each, bind them all as one transaction.
            let after = try enumerate()
            let planner = try makePlanner(after.devices)
            let request = { (device: PCIDevice) -> BindEngine.Request in
                let plan = planner.plan(device)
                return BindEngine.Request(device: device, chain: plan.chain, blocked: plan.blocked)
            }
            let vfs = after[pf.address]?.sriov.virtfns.compactMap { after[$0] } ?? []
            let bound = engine.bind(vfs.map(request), inventory: after, companions: request, options: options)
            report.devices += bound.devices
            report.checks += bound.checks
            if let error = bound.error {
                if report.devices.contains(where: { $0.address == pf.address && $0.status == .changed }) {
                    try revert([before], options: options, report: &report)
                }
                throw error
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// A PF as it was before this run changed its VFs: count, driver autoprobe, its SR-IOV record,
    /// and each VF's binding and managed record (changing the count destroys the VFs).
    struct PFBefore {
        var address: PCIAddress
        var count: Int
        var autoprobe: Bool
        var record: SRIOVRecord?
        var virtualFunctions: [BindEngine.PriorState]

        init(_ pf: PCIDevice, inventory: DeviceInventory, store: StateStore) throws(VFIOError) {
            address = pf.address
            count = pf.sriov.numVFs ?? 0
            autoprobe = pf.sriov.driversAutoprobe ?? true
            record = try store.readSRIOV().first { $0.pf == pf.address }
            // By address: one lookup per VF, not a scan of every record (the first record of an
            // address counts).
            let managed = Dictionary(
                try store.readManaged().map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
            virtualFunctions = pf.sriov.virtfns.compactMap { inventory[$0] }.map { vf in
                BindEngine.PriorState(vf, record: managed[vf.address])
            }
        }
    }

    /// Puts back what this run changed on each PF: VF count and driver autoprobe (so re-created VFs
    /// that sat on their host driver go back to it), the SR-IOV record, then every VF that existed
    /// before to its driver and override, with its managed record. Each device ends in the report
    /// once, with its final status.
    private func revert(_ pfs: [PFBefore], options: BindEngine.Options, report: inout OperationReport) throws(VFIOError)
    {
        guard !pfs.isEmpty, !options.dryRun else { return }
        var inventory = try enumerate()
        var restored: [OperationReport.DeviceResult] = []
        for pf in pfs.reversed() {
            guard let now = inventory[pf.address] else { continue }
            let result = engine.restoreVirtualFunctions(
                now, count: pf.count, autoprobe: pf.autoprobe, record: pf.record,
                inventory: inventory, options: options)
            report.checks.append(
                "rolled back \(pf.address) to \(pf.count) VFs with driver autoprobe \(pf.autoprobe ? "on" : "off")"
                    + (result.error.map { " (failed: \($0.message))" } ?? ""))
            for index in report.devices.indices
            where report.devices[index].address == pf.address && report.devices[index].status == .changed {
                report.devices[index].status = result.error == nil ? .rolledBack : .failed
                report.devices[index].message = (report.devices[index].message ?? "") + "; put back to \(pf.count) VFs"
            }
            guard result.error == nil, !pf.virtualFunctions.isEmpty else { continue }
            inventory = try enumerate()
            let vfs = engine.restoreDevices(
                pf.virtualFunctions, inventory: inventory, options: options,
                reason: "re-created by the rollback of \(pf.address)")
            restored += vfs.devices
            if let error = vfs.error {
                report.checks.append("rolling back the VFs of \(pf.address) failed: \(error.message)")
            }
        }
        report.supersede(with: restored)
        // VFs this run created that the rollback removed again (devices vanish no other way).
        inventory = try enumerate()
        for index in report.devices.indices where inventory[report.devices[index].address] == nil {
            if report.devices[index].status != .failed { report.devices[index].status = .rolledBack }
            report.devices[index].to = nil
            report.devices[index].nodes = VFIONodes()
            report.devices[index].message =
                (report.devices[index].message.map { $0 + "; " } ?? "")
                + "removed again: its PF went back to its VF count"
        }
    }
}

extension OperationReport {
    /// Final results replace earlier ones of the same device, which is then listed once; a failure
    /// stays a failure (its message says how it ended). Devices not reported yet are added.
    mutating func supersede(with finals: [DeviceResult]) {
        for final in finals {
            let matching = devices.indices.filter { devices[$0].address == final.address }
            guard let first = matching.first else {
                devices.append(final)
                continue
            }
            var merged = final
            if final.status != .failed, let failed = matching.first(where: { devices[$0].status == .failed }) {
                merged = devices[failed]
                merged.message =
                    (merged.message ?? "failed") + "; then \(final.message ?? "put back"): back on \(final.from)"
            }
            devices[first] = merged
            for index in matching.dropFirst().reversed() { devices.remove(at: index) }
        }
    }
}
