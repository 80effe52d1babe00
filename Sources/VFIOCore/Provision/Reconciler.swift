/// `apply` and `diff`: turn a desired-state file into one transaction of the binding engine.
/// VF counts change first (VFs must exist before they can be bound); then every bind and every
/// return to a host driver happens in one transaction. If that fails, the VF counts go back too.
public struct Reconciler {
    public let engine: BindEngine
    /// Built only when some entry selects a device: the udev hot-plug path runs this for every new
    /// PCI device, and most are not in the file.
    public let makePlanner: () throws(VFIOError) -> DriverPlanner
    /// Re-reads the devices (after VFs were created).
    public let enumerate: () throws(VFIOError) -> DeviceInventory

    public init(engine: BindEngine, makePlanner: @escaping () throws(VFIOError) -> DriverPlanner,
                enumerate: @escaping () throws(VFIOError) -> DeviceInventory) {
        self.engine = engine
        self.makePlanner = makePlanner
        self.enumerate = enumerate
    }

    public func run(_ state: DesiredState, only: Set<PCIAddress>? = nil, options: BindEngine.Options) -> OperationReport {
        var report = OperationReport(operation: "apply", dryRun: options.dryRun)
        do throws(VFIOError) {
            var inventory = try enumerate()
            var resolution = try StateResolution(state, inventory: inventory, only: only)
            report.checks += resolution.notes.map { "note: \($0)" }
            if !resolution.refusals.isEmpty {
                report.checks += resolution.refusals.map { "refused: \($0)" }
                throw VFIOError(.refused, resolution.refusals.count == 1 ? resolution.refusals[0]
                                : "\(resolution.refusals.count) entries refused: " + resolution.refusals.joined(separator: "; "),
                                hint: "nothing was changed")
            }

            // 1. VF counts.
            var changedPFs: [PFBefore] = []
            for change in resolution.vfChanges {
                let result = engine.setVirtualFunctions(change.pf, count: change.count, inventory: inventory, options: options)
                report.devices += result.devices
                if let error = result.error {
                    try revert(changedPFs, options: options, report: &report)
                    throw error
                }
                if result.devices.contains(where: { $0.status == .changed }) {
                    changedPFs.append(PFBefore(address: change.pf.address, count: change.pf.sriov.numVFs ?? 0,
                                               autoprobe: change.pf.sriov.driversAutoprobe ?? true))
                }
            }
            if !changedPFs.isEmpty {
                inventory = try enumerate()
                resolution = try StateResolution(state, inventory: inventory, only: only)
            } else if options.dryRun && !resolution.vfChanges.isEmpty {
                report.checks.append("note: VFs that do not exist yet are not shown; they are bound by the entries that select them once created")
            }

            // 2. One transaction for every binding.
            if resolution.targets.isEmpty { return report }
            let planner = try makePlanner()
            var binds: [BindEngine.Request] = []
            var releases: [BindEngine.ReleaseRequest] = []
            for target in resolution.targets {
                let plan = planner.plan(target.device)
                switch target.wanted {
                case .vfio: binds.append(.init(device: target.device, chain: plan.chain, blocked: plan.blocked))
                // What blocks VFIO drivers (no IOMMU group) is checked for a named VFIO driver too;
                // the engine applies it to VFIO drivers only, so pci-stub is not refused for it.
                case .stub: binds.append(.init(device: target.device, chain: planner.explicitChain("pci-stub"), blocked: plan.blocked))
                case .driver(let name): binds.append(.init(device: target.device, chain: planner.explicitChain(name), blocked: plan.blocked))
                case .host: releases.append(.init(device: target.device, hostModules: plan.hostModules))
                }
            }
            let result = engine.transact(operation: "apply", binds: binds, releases: releases, inventory: inventory,
                                         companions: { BindEngine.Request(device: $0, chain: []) }, options: options)
            report.devices += result.devices
            report.checks += result.checks
            if let error = result.error {
                try revert(changedPFs, options: options, report: &report)
                throw error
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// A PF's SR-IOV settings before this run changed them.
    struct PFBefore {
        var address: PCIAddress
        var count: Int
        var autoprobe: Bool
    }

    /// Puts VF counts and driver autoprobe changed by this run back: with autoprobe on, re-created
    /// VFs go to their host drivers again, as they were.
    private func revert(_ pfs: [PFBefore], options: BindEngine.Options, report: inout OperationReport) throws(VFIOError) {
        guard !pfs.isEmpty, !options.dryRun else { return }
        let inventory = try enumerate()
        for pf in pfs {
            guard let now = inventory[pf.address] else { continue }
            let result = engine.setVirtualFunctions(now, count: pf.count, inventory: inventory, options: options, autoprobe: pf.autoprobe)
            report.checks.append("rolled back \(pf.address) to \(pf.count) VFs with driver autoprobe \(pf.autoprobe ? "on" : "off")"
                                 + (result.error.map { " (failed: \($0.message))" } ?? ""))
        }
    }
}
