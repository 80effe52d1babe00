#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The one binding engine behind `bind`, `unbind`, `sriov --bind`, `apply` and `recover`: checks
/// everything before the first write, takes the lock, journals the original state, walks each
/// device's driver chain, verifies, and on failure puts every device of the transaction back.
public struct BindEngine {
    public struct Options: Sendable {
        public var dryRun = false
        public var group = false
        /// Check codes the user overrode with `--force`.
        public var forced: Set<String> = []
        /// Bound on waiting for /dev/vfio nodes and udev.
        public var timeout: Double = 10
        public var lockTimeout: Double = 60
        public var method: DeviceMover.BindMethod? = nil
        /// Wait for udev to settle after a VFIO bind (tests running against the simulator turn it off:
        /// the host's udev has nothing to do with simulated devices).
        public var waitForUdev = true
        /// Bind devices without an IOMMU group through VFIO's no-IOMMU mode, turning it on first
        /// (`--noiommu`, state key `noiommu`): no DMA isolation, refused where the kernel lacks it.
        public var noIOMMU = false
        /// Called with (done, total) during long operations.
        public var progress: (@Sendable (Int, Int) -> Void)? = nil
        public init() {}
    }

    /// Engine-level check codes, next to the safety codes.
    public static let groupCode = "group-not-viable"
    public static let newIDCode = "new-id-collateral"
    public static let noGroupCode = "no-iommu-group"

    public let kernel: any KernelAccess
    public let store: StateStore
    /// What a recovery run before this command did (`recoverPending`), reported with its result.
    public var recoveryNotes: [String] = []
    /// What the host is using, captured when a check first needs it (`hostState`).
    public var host: HostState { hostState.value }
    private let hostState: HostStateOnce
    public let vfioDrivers: VFIODriverSet
    /// Seconds since the epoch, stamped on journals and managed records (a test's own clock).
    public var clock: @Sendable () -> Int = { WallClock.now() }
    /// What sysfs said of each module (loaded, the PCI driver it registered), asked once per
    /// command: binding many VFs to one module asked again for every device.
    private let modules = ModuleAnswers()
    /// One reader for every device the command binds (it looks up what all share once).
    let nodeReader: VFIONodeReader
    /// The lock the caller took before reading the devices (`lockBeforeReading`).
    private var callerLock: StateLock?

    public init(kernel: any KernelAccess, store: StateStore, host: HostState, vfioDrivers: VFIODriverSet) {
        self.kernel = kernel
        self.store = store
        hostState = HostStateOnce(host)
        self.vfioDrivers = vfioDrivers
        nodeReader = VFIONodeReader(kernel: kernel)
    }

    /// An engine that captures the host's state only if a check needs it: a transaction that moves
    /// only driverless devices (new VFs) has nothing the capture could find.
    public init(
        kernel: any KernelAccess, store: StateStore, captureHost: @escaping () -> HostState,
        vfioDrivers: VFIODriverSet
    ) {
        self.kernel = kernel
        self.store = store
        hostState = HostStateOnce(captureHost)
        self.vfioDrivers = vfioDrivers
        nodeReader = VFIONodeReader(kernel: kernel)
    }

    /// Takes the lock before the caller reads the devices: no other vfioctl can move them between
    /// that read and this engine's writes, so nothing has to be read again after locking (binding
    /// many VFs re-read every one). Writing commands call this first; a dry run takes no lock. The
    /// lock is released before waiting for udev (whose rules may run vfioctl) or when the engine goes.
    public mutating func lockBeforeReading(options: Options) throws(VFIOError) {
        guard !options.dryRun, callerLock == nil else { return }
        do {
            callerLock = try store.lock(timeout: options.lockTimeout)
        } catch  where error.status == .permissionDenied && geteuid() != 0 && !StateDirectory.isTrustRefusal(error) {
            throw VFIOError(
                .permissionDenied, "changing drivers needs root: \(error.message)",
                hint: "run with sudo, or use --dry-run to see what would be done")
        }
    }

    /// The lock for one operation: the caller's, when it still holds one, else a new one.
    func operationLock(_ options: Options) throws(VFIOError) -> (lock: StateLock, heldByCaller: Bool) {
        if let callerLock, callerLock.isHeld { return (callerLock, true) }
        return (try store.lock(timeout: options.lockTimeout), false)
    }

    // MARK: bind

    /// One device to move and the drivers to try, best first.
    public struct Request: Sendable {
        public var device: PCIDevice
        public var chain: [Candidate]
        /// Why nothing can be tried (a bridge, no IOMMU group), from the plan.
        public var blocked: String?
        /// Through VFIO's no-IOMMU mode (state key `noiommu`; `--noiommu` sets it for every device).
        public var noIOMMU: Bool
        /// The reset methods to write to `reset_method` with the bind (state key `reset_method`).
        public var resetMethods: [ResetMethod]?
        public init(
            device: PCIDevice, chain: [Candidate], blocked: String? = nil, noIOMMU: Bool = false,
            resetMethods: [ResetMethod]? = nil
        ) {
            self.device = device
            self.chain = chain
            self.blocked = blocked
            self.noIOMMU = noIOMMU
            self.resetMethods = resetMethods
        }
    }

    public func bind(
        _ requests: [Request], inventory: DeviceInventory, companions: (PCIDevice) -> Request,
        options: Options
    ) -> OperationReport {
        transact(
            operation: "bind", binds: requests, releases: [], inventory: inventory, companions: companions,
            options: options)
    }

    /// One transaction that binds some devices and releases others (`apply` mixes both): every check
    /// of both kinds first, then one lock, one journal, and rollback of everything on failure.
    public func transact(
        operation: String, binds: [Request], releases: [ReleaseRequest], inventory: DeviceInventory,
        companions: (PCIDevice) -> Request, options: Options
    ) -> OperationReport {
        var report = OperationReport(operation: operation, dryRun: options.dryRun)
        report.checks += recoveryNotes
        do throws(VFIOError) {
            var all = binds
            if options.group {
                all += Preflight.groupCompanions(of: binds.map(\.device), in: inventory).map(companions)
            }
            var refusals: [String] = []
            let moving = try prepareBind(
                all, inventory: inventory, options: options, report: &report, refusals: &refusals)
            var stale: Set<PCIAddress> = []
            var records: ManagedRecords?
            let releasing = try prepareRelease(
                releases, options: options, report: &report, refusals: &refusals, stale: &stale, records: &records)
            if !refusals.isEmpty {
                report.checks += refusals.map { "refused: \($0)" }
                throw VFIOError(
                    .refused,
                    refusals.count == 1
                        ? refusals[0]
                        : "\(refusals.count) checks refused the operation: " + refusals.joined(separator: "; "),
                    hint: "nothing was changed")
            }
            report.checks.append("safety checks passed for \(moving.count + releasing.count) device(s)")
            if moving.contains(where: { options.noIOMMU || $0.request.noIOMMU }) {
                report.checks += try NoIOMMUMode.enable(kernel: kernel, dryRun: options.dryRun)
            }
            let first = moving.first?.request.device.address ?? releasing.first?.request.device.address
            if !options.dryRun, let first { try Preflight.checkWritable(first, kernel: kernel) }
            let devices =
                moving.map { Subject($0.request.device, $0.original, resetMethod: $0.resetChange?.before) }
                + releasing.map { Subject($0.request.device, $0.current, resetMethod: $0.resetChange?.before) }
            try execute(
                operation: operation, devices, forgetting: stale, recordsRead: records, options: options,
                report: &report
            ) {
                mover, index in
                if index < moving.count { return bindOne(moving[index], mover: mover, options: options) }
                return release(releasing[index - moving.count], mover: mover, options: options)
            }
        } catch {
            report.error = error
        }
        return report
    }

    /// The managed records by address: one lookup per device, not a scan of every record (the first
    /// record of an address counts, as it always has).
    typealias ManagedRecords = [PCIAddress: ManagedDevice]

    struct Move {
        var request: Request
        var original: DeviceBinding
        var candidates: [Candidate]
        /// `reset_method` as read now and as the bind writes it, when it changes.
        var resetChange: ResetMethodChange? = nil
        /// Already on its driver: only `reset_method` is written.
        var resetOnly = false
    }

    /// Everything before the first write: targets, idempotence, group viability, safety, permission.
    private func prepareBind(
        _ requests: [Request], inventory: DeviceInventory, options: Options,
        report: inout OperationReport, refusals: inout [String]
    ) throws(VFIOError) -> [Move] {
        var moves: [Move] = []
        moves.reserveCapacity(requests.count)
        for request in requests {
            let device = request.device
            // The chain itself when every driver in it is available (no new array per device).
            var usable = request.chain.allSatisfy(\.available) ? request.chain : request.chain.filter(\.available)
            if !kernel.canLoadModules { usable = try loadedOnly(usable) }
            let original = DeviceBinding(driver: device.driver, override: device.driverOverride)
            let resetChange = try request.resetMethods.flatMap { wanted throws(VFIOError) in
                try resetMethodChange(device.address, to: wanted)
            }
            guard let first = usable.first else {
                let reasons = request.chain.map { "\($0.module): \($0.reason)" }.joined(separator: "; ")
                // A rule's deny is a decision, not a missing driver: refused, like a safety check.
                if request.chain.contains(where: { $0.deniedBy != nil }) {
                    refusals.append(
                        "\(device.address): no driver may be chosen (\(reasons)); bind it with --driver NAME to choose one yourself"
                    )
                    continue
                }
                throw VFIOError(
                    .notFound, "no usable driver for \(device.address): \(request.blocked ?? reasons)",
                    hint: "see 'vfioctl plan --explain \(device.address)'")
            }
            // Driverless counts as done only once pinned: unbound but unpinned, any driver could take it.
            if first.driver.holds(device.driver)
                && (first.driver != .driverless || device.driverOverride == .driverless)
            {
                // Only its reset methods differ: they are written, the driver stays.
                if let resetChange {
                    moves.append(
                        Move(
                            request: request, original: original, candidates: [first], resetChange: resetChange,
                            resetOnly: true))
                    continue
                }
                report.devices.append(
                    .init(
                        address: device.address, from: original, to: first.driver, status: .unchanged,
                        group: device.iommuGroup, nodes: vfioNodes(device),
                        message: first.driver == .driverless
                            ? "already without a driver (driver_override none)" : "already on \(first.driver)"))
                continue
            }
            // What blocks VFIO (no IOMMU group) blocks VFIO drivers only: pci-stub or a host driver
            // needs no IOMMU, so those candidates stay. Bridges are refused by the safety check 'bridge'.
            var candidates = usable
            // In no-IOMMU mode vfio gives a device without a group one of its own.
            let noIOMMUTakesIt = (options.noIOMMU || request.noIOMMU) && device.iommuGroup == nil
            if let blocked = request.blocked, !device.isBridge, !options.forced.contains(Self.noGroupCode),
                !noIOMMUTakesIt
            {
                candidates = usable.filter { !isVFIOCandidate($0) }
                if candidates.isEmpty {
                    refusals.append("\(device.address): \(blocked) (override with --force \(Self.noGroupCode))")
                    continue
                }
            }
            moves.append(Move(request: request, original: original, candidates: candidates, resetChange: resetChange))
        }

        // IOMMU groups after the operation.
        var targets: [PCIAddress: DriverName?] = [:]
        for move in moves {
            // Driverless leaves the member unbound, which never blocks a group.
            let driver = move.candidates.first?.driver
            targets.updateValue(driver == .driverless ? nil : driver, forKey: move.request.device.address)
        }
        for (group, blockers) in Preflight.groupsLeftUnusable(
            targets: targets, inventory: inventory, vfioDrivers: vfioDrivers)
        {
            let names = blockers.map { "\($0.address) (\($0.driver?.rawValue ?? "-"))" }.joined(separator: ", ")
            let line = "IOMMU group \(group) would not be usable by VFIO: \(names) would stay on host drivers"
            if options.forced.contains(Self.groupCode) {
                report.checks.append("overridden: \(line)")
            } else {
                refusals.append(line + " (bind them too with --group, or --force \(Self.groupCode))")
            }
        }

        // Safety checks on every device that moves. The host is captured only when a moving device
        // (group companions included) could have a host user; the others' findings never read it.
        let needsHost = moves.contains { !$0.resetOnly && SafetyChecker.needsHostState($0.request.device) }
        let checker = SafetyChecker(host: needsHost ? host : HostState(), vfioDrivers: vfioDrivers)
        // A device that stays on its driver is not disturbed: writing reset_method only changes how
        // the kernel resets it next (a VFIO user holding it is not a reason to refuse).
        for move in moves where !move.resetOnly {
            screen(checker.findings(for: move.request.device), options: options, report: &report, refusals: &refusals)
        }

        // new_id side effects.
        guard effectiveMethod(options) == .newID else { return moves }
        let requested = Set(moves.map(\.request.device.address))
        for move in moves {
            let collateral = Preflight.newIDCollateral(
                for: move.request.device, requested: requested, inventory: inventory)
            if !collateral.isEmpty && !options.forced.contains(Self.newIDCode) {
                refusals.append(
                    "\(move.request.device.address): new_id would also grab \(collateral.map(\.address.description).joined(separator: ", ")) (same ids, unbound); include them, or --force \(Self.newIDCode)"
                )
            }
        }

        return moves
    }

    /// The candidates whose modules a kernel that cannot load modules (a sysfs tree) has loaded;
    /// when there is none, loading the first one's error (exit 4: the tree does not have it).
    private func loadedOnly(_ candidates: [Candidate]) throws(VFIOError) -> [Candidate] {
        let loaded = candidates.filter { $0.driver == .driverless || isLoaded($0.module) }
        if loaded.isEmpty, let first = candidates.first { try load(first.module) }
        return loaded
    }

    /// Findings the user forced become report lines; the others refuse the operation.
    func screen(_ findings: [SafetyFinding], options: Options, report: inout OperationReport, refusals: inout [String])
    {
        for finding in findings {
            if options.forced.contains(finding.code.rawValue) {
                report.checks.append("overridden: \(finding.message)")
            } else {
                refusals.append(finding.message)
            }
        }
    }

    private func effectiveMethod(_ options: Options) -> DeviceMover.BindMethod {
        options.method ?? .override
    }

    /// Walks one device's chain. Failures are in the result (with what they mean for the whole
    /// operation), so a device that was moved and put back is always reported.
    func bindOne(_ move: Move, mover: DeviceMover, options: Options) -> OperationReport.DeviceResult {
        let device = move.request.device
        var result = OperationReport.DeviceResult(
            address: device.address, from: move.original, to: nil,
            status: options.dryRun ? .planned : .failed, group: device.iommuGroup)
        let mark = mover.writer.mark
        // Before the bind: the new driver (vfio-pci resets the device when a user opens and closes
        // it) finds the methods in place, and a method the device does not offer (EINVAL) fails
        // here, before the device has moved.
        if let change = move.resetChange {
            do throws(BindFailure) {
                try mover.setResetMethods(device.address, change.after)
                result.resetMethod = change
                if move.resetOnly {
                    result.to = device.driver
                    result.status = options.dryRun ? .planned : .changed
                    result.nodes = options.dryRun ? VFIONodes() : vfioNodes(device)
                    result.message = "already on \(move.original); reset_method \(change.description)"
                    result.steps = mover.writer.steps(since: mark)
                    return result
                }
            } catch {
                result.message =
                    "setting its reset_method to \(ResetMethodChange.shown(change.after)) failed: \(error.message)"
                    + (error.errno == EINVAL ? " (the kernel refuses a method the device does not offer)" : "")
                result.failure = VFIOError(
                    error.errno == ETIMEDOUT ? .timedOut : .failed, "\(device.address): \(result.message!)",
                    hint: "its reset methods are listed by 'vfioctl show \(device.address)'; nothing was changed on it")
                result.steps = mover.writer.steps(since: mark)
                return result
            }
        }
        for candidate in move.candidates {
            var attempt = OperationReport.Attempt(module: candidate.module, driver: candidate.driver)
            do throws(BindFailure) {
                let driver =
                    candidate.driver == .driverless ? .driverless : try ensureLoaded(candidate, dryRun: options.dryRun)
                attempt.driver = driver
                try mover.bind(
                    device.address, identity: device.identity, to: driver, from: move.original,
                    method: effectiveMethod(options))
                result.attempts.append(attempt)
                result.to = driver
                if options.dryRun {
                    result.status = .planned
                    if driver == .driverless {
                        result.message = "would be left without a driver (driver_override none)"
                    } else if !isLoaded(candidate.module) {
                        result.message = "would load module \(candidate.module) first (modprobe \(candidate.module))"
                    }
                    break
                }
                result.status = .changed
                break
            } catch {
                attempt.error = error.message
                result.attempts.append(attempt)
                if let restoreError = error.restoreError {
                    result.status = .failed
                    result.restoreError = restoreError
                    result.message = "\(error.message); restoring it then failed: \(restoreError)"
                    result.failure = VFIOError(
                        .failed, "\(device.address): \(result.message!)",
                        hint: "check 'vfioctl show \(device.address)' and dmesg")
                    result.steps = mover.writer.steps(since: mark)
                    return result
                }
            }
        }
        // The device is bound; a VFIO user must be able to open it when this command returns. A node
        // that never appears is not a reason to try another driver: put the device back and stop.
        if result.status == .changed, let driver = result.to,
            vfioDrivers.isVFIO(driver)
                || move.candidates.contains(where: { $0.driver == driver && isVFIOModule($0.module) })
        {
            do throws(BindFailure) {
                // A device bound in no-IOMMU mode has a group now, which vfio made for it.
                if result.group == nil { result.group = currentGroup(device.address) }
                result.nodes = try waitForVFIONodes(device.address, group: result.group, timeout: options.timeout)
            } catch {
                result.status = .failed
                result.message = error.message
                do throws(BindFailure) {
                    try mover.restore(device.address, to: move.original)
                    if let failed = restoreResetMethod(device.address, result.resetMethod, mover: mover) {
                        throw BindFailure(message: failed)
                    }
                    result.resetMethod = nil
                    result.failure = VFIOError(
                        .timedOut, "\(device.address): \(error.message); it was put back on \(move.original)",
                        hint: "raise --timeout, or check dmesg")
                } catch let again {
                    result.restoreError = again.message
                    result.message = "\(error.message); putting it back on \(move.original) failed: \(again.message)"
                    result.failure = VFIOError(
                        .timedOut, "\(device.address): \(result.message!)",
                        hint: "check 'vfioctl show \(device.address)' and dmesg")
                }
                result.steps = mover.writer.steps(since: mark)
                return result
            }
        }
        if result.status == .failed {
            result.message =
                "every driver failed: "
                + result.attempts.map { "\($0.driver): \($0.error ?? "?")" }.joined(separator: "; ")
            // The device stayed where it was: so does its reset_method.
            if let failed = restoreResetMethod(device.address, result.resetMethod, mover: mover) {
                result.restoreError = failed
                result.message! += "; " + failed
                result.failure = VFIOError(
                    .failed, "\(device.address): \(result.message!)",
                    hint: "check 'vfioctl show \(device.address)'; the journal is kept for 'vfioctl recover'")
            } else {
                result.resetMethod = nil
            }
        } else if let change = result.resetMethod {
            let line = "reset_method \(change.description)"
            result.message = result.message.map { "\($0); \(line)" } ?? line
        }
        result.steps = mover.writer.steps(since: mark)
        return result
    }

    /// `reset_method` now and as `wanted` makes it; nil when it already reads so. Where the device
    /// has no such attribute (kernels before 5.15; a device without any reset method) the state
    /// file asks for what cannot be done: exit 4, before any write.
    private func resetMethodChange(
        _ address: PCIAddress, to wanted: [ResetMethod]
    ) throws(VFIOError) -> ResetMethodChange? {
        let now: String
        do {
            now = try kernel.read(PCIPaths.resetMethod(address))
        } catch  where error.isMissing {
            throw VFIOError(
                .notFound,
                "\(address) has no reset_method attribute (kernels before 5.15 lack it; on later ones the device has no reset method): its reset_method cannot be set; nothing was changed",
                hint: "remove reset_method from its entry in the state file")
        } catch {
            throw LowLevel.error(error, doing: "read the reset_method of \(address)")
        }
        let change = ResetMethodChange(before: ResetMethod.words(now), after: wanted.map(\.rawValue))
        return change.before == change.after ? nil : change
    }

    /// Puts `reset_method` back as it was before this bind wrote it (the bind did not happen or
    /// was undone); how that failed, or nil.
    func restoreResetMethod(_ address: PCIAddress, _ change: ResetMethodChange?, mover: DeviceMover) -> String? {
        guard let change else { return nil }
        do throws(BindFailure) {
            try mover.setResetMethods(address, change.before)
            return nil
        } catch {
            return "putting its reset_method back to \(ResetMethodChange.shown(change.before)) failed: \(error.message)"
        }
    }

    /// Loads the candidate's module when needed and returns the PCI driver name it registered (in a
    /// dry run, which loads nothing, the plan's name for a module not loaded yet).
    private func ensureLoaded(_ candidate: Candidate, dryRun: Bool) throws(BindFailure) -> DriverName {
        if let known = modules.drivers[candidate.module] { return known }
        if !isLoaded(candidate.module) {
            if dryRun { return candidate.driver }
            do { try load(candidate.module) } catch { throw BindFailure(message: error.message) }
        }
        let driver = try registeredDriver(candidate)
        modules.drivers[candidate.module] = driver
        return driver
    }

    /// The PCI driver the candidate's loaded module registered.
    private func registeredDriver(_ candidate: Candidate) throws(BindFailure) -> DriverName {
        if let name = registeredDrivers(of: candidate.module).first { return name }
        // Built-in drivers have no module/NAME/drivers entries; the driver directory tells.
        if (try? kernel.list(PCIPaths.driverDirectory(candidate.driver))) != nil { return candidate.driver }
        throw BindFailure(message: "module \(candidate.module) is loaded but registers no PCI driver")
    }

    /// Whether a module is loaded or built in: one look at /sys/module/NAME, not a scan of all
    /// modules, and once per command unless this engine loads it since.
    func isLoaded(_ module: ModuleName) -> Bool {
        if let known = modules.loaded[module] { return known }
        let loaded: Bool
        if let state = try? kernel.read("module/\(module)/initstate") {
            loaded = state == "live" || state == "coming"
        } else {
            loaded = (try? kernel.list("module/\(module)")) != nil
        }
        modules.loaded[module] = loaded
        return loaded
    }

    /// `modprobe MODULE`; whether it is loaded is asked again afterwards (a failed load is retried
    /// for the next device).
    func load(_ module: ModuleName) throws(VFIOError) {
        defer { modules.loaded[module] = nil }
        try kernel.loadModule(module)
    }

    /// The PCI drivers a loaded module registered (`/sys/module/NAME/drivers/pci:DRIVER`).
    func registeredDrivers(of module: ModuleName) -> [DriverName] {
        ((try? kernel.list("module/\(module)/drivers")) ?? []).compactMap { entry in
            entry.name.hasPrefix("pci:") ? DriverName(entry.name.dropFirst(4)) : nil
        }
    }

    private func isVFIOModule(_ module: ModuleName) -> Bool {
        module.rawValue.contains("vfio")
    }

    /// Whether a candidate is a VFIO driver: the checks of IOMMU groups concern these only.
    private func isVFIOCandidate(_ candidate: Candidate) -> Bool {
        vfioDrivers.isVFIO(candidate.driver) || isVFIOModule(candidate.module)
    }

    /// The nodes a VFIO user of `device` opens, when it is on a VFIO driver: those that exist.
    func vfioNodes(_ device: PCIDevice) -> VFIONodes {
        guard let driver = device.driver, vfioDrivers.isVFIO(driver) else { return VFIONodes() }
        return nodeReader.present(device.address, group: device.iommuGroup)
    }

    /// Waits (bounded) until every per-device node the kernel made for the bound device exists
    /// (the group node, the cdev: whichever the kernel has); udev is waited for after the lock is
    /// released. A device on a VFIO driver with no node at all in sysfs is waited for too: probe
    /// registers them before the bind write returns, so none is a failure.
    private func waitForVFIONodes(
        _ address: PCIAddress, group: IOMMUGroup?, timeout: Double
    ) throws(BindFailure) -> VFIONodes {
        let deadline = Monotonic.now() + timeout
        while true {
            let nodes = nodeReader.expected(address, group: group)
            let missing = nodeReader.missing(nodes)
            if !nodes.perDevice.isEmpty && missing.isEmpty { return nodes }
            guard Monotonic.now() < deadline else {
                let what =
                    missing.isEmpty
                    ? "no VFIO device node (\(group.map { "/dev/vfio/\($0)" } ?? "no IOMMU group"))"
                    : missing.joined(separator: " and ")
                throw BindFailure(message: "\(what) did not appear within \(timeout) s")
            }
            usleep(5_000)
        }
    }

    /// `pid 1234 (qemu-system-x86) holds /dev/vfio/10`, for each process seen holding one of the
    /// device's nodes: its VFIO group node, or any node its class devices have (`HostState.deviceNodes`).
    /// Seen when the safety checks captured the host, or now when none of them needed it (a
    /// driverless device's group node can still be held through another member of its group).
    func holderLines(_ address: PCIAddress, group: IOMMUGroup?) -> [String] {
        var nodes = host.deviceNodes[address] ?? []
        if let group { nodes += ["vfio/\(group)", "vfio/noiommu-\(group)"] }
        return SafetyChecker.holderLines(of: nodes, host: host)
    }

    /// The device's IOMMU group as the kernel says now (`iommu_group` link).
    func currentGroup(_ address: PCIAddress) -> IOMMUGroup? {
        (try? kernel.readLink(PCIPaths.device(address) + "/iommu_group"))
            .flatMap(SysfsPath.namedLastComponent).flatMap { IOMMUGroup($0) }
    }

    // MARK: transaction

    /// What a transaction needs of each device it moves: copying whole device records (a dozen
    /// reference-counted fields each) was a visible part of binding many VFs.
    struct Subject {
        var address: PCIAddress
        var identity: PCIIdentity
        var iommuGroup: IOMMUGroup?
        /// Where the device is before the transaction.
        var binding: DeviceBinding
        /// `reset_method` before the transaction, when the transaction writes it.
        var resetMethod: [String]?

        init(_ device: PCIDevice, _ binding: DeviceBinding, resetMethod: [String]? = nil) {
            address = device.address
            identity = device.identity
            iommuGroup = device.iommuGroup
            self.binding = binding
            self.resetMethod = resetMethod
        }
    }

    /// Lock, recover an interrupted transaction, journal, run `body` per device, roll back on failure,
    /// record the result. In a dry run only `body` runs, against a writer that records.
    /// The records of `stale` devices (back where they were before vfioctl) are dropped with the others.
    /// `recordsRead`: the managed records as the caller read them for its checks, if it did.
    func execute(
        operation: String, _ devices: [Subject], forgetting stale: Set<PCIAddress> = [],
        recordsRead: ManagedRecords? = nil, options: Options, report: inout OperationReport,
        body: (DeviceMover, Int) -> OperationReport.DeviceResult
    ) throws(VFIOError) {
        let writer = KernelWriter(kernel: kernel, dryRun: options.dryRun)
        writer.writeTimeout = options.timeout
        let mover = DeviceMover(writer: writer)
        defer { report.checks += writer.warnings.map { "warning: \($0)" } }
        guard !devices.isEmpty else {
            if !stale.isEmpty && !options.dryRun { try forgetRecords(stale, options: options) }
            return
        }
        if options.dryRun {
            for index in devices.indices { report.devices.append(body(mover, index)) }
            return
        }
        let (lock, heldByCaller) = try operationLock(options)
        defer { lock.release() }
        // Recovery before a transaction overrides no safety check: `vfioctl recover --force` does.
        let recovered = try recoverLocked(forced: [], timeout: options.timeout, report: &report)
        // Unless the devices were read under the lock, everything was checked before the lock was
        // ours: another vfioctl (or a recovery) may have moved a device since. Acting on a stale view
        // could "restore" a device onto the wrong driver.
        for device in devices where !heldByCaller {
            let expected = device.binding
            let now = try mover.currentBinding(device.address)
            guard now == expected else {
                var error = VFIOError(
                    .failed,
                    "\(device.address) changed while this command waited for the lock (it was on \(expected), now \(now)); nothing was changed",
                    hint: "run the command again")
                error.retryable = true
                throw error
            }
        }
        let journal = Journal(
            operation: operation, pid: Int(getpid()), started: clock(),
            entries: devices.map {
                Journal.Entry(
                    address: $0.address, identity: $0.identity, original: $0.binding,
                    originalResetMethod: $0.resetMethod)
            })
        let journalFile = try store.writeJournal(journal)
        defer { journalFile.close() }
        // Listening starts before the first write, so no event of this operation is missed; nodes
        // that exist already will not be added again.
        let watch = options.waitForUdev ? UdevEventWatch() : nil
        let existingNodes =
            watch == nil
            ? []
            : Set(
                devices.flatMap { nodeReader.presentPerDevice($0.address, group: $0.iommuGroup).perDevice })

        var done: [OperationReport.DeviceResult] = []
        done.reserveCapacity(devices.count)
        var failure: VFIOError?
        for index in devices.indices {
            options.progress?(index, devices.count)
            do {
                // Marked before its first write: recovery moves only devices the transaction reached.
                try journalFile.markMoving(devices[index].address)
            } catch {
                failure = error
                break
            }
            let result = body(mover, index)
            if result.status == .failed {
                failure =
                    result.failure
                    ?? VFIOError(
                        .failed, "\(result.address): \(result.message ?? "failed")",
                        hint: "the device is back on \(result.from); see dmesg")
            }
            done.append(result)
            if failure != nil { break }
        }
        options.progress?(devices.count, devices.count)

        // A write still blocked in the kernel holds the device: nothing more can be written to it,
        // so nothing is rolled back. The journal stays (its device is marked) and the lock goes with
        // this process; once the write returns, `vfioctl recover` (or the next writing command)
        // finishes the job by putting the devices back.
        if let pending = writer.pending {
            report.devices += done
            let address = done.last?.address
            do {
                try journalFile.markPending(pending.journaled(for: address))
            } catch {
                report.checks.append("warning: the pending write is not in the journal: \(error.message)")
            }
            let holders =
                address.map { holderLines($0, group: devices.first { $0.address == address }?.iommuGroup) } ?? []
            throw VFIOError(
                .timedOut,
                "\(address.map { "\($0): " } ?? "")the \(pending.description) did not return within \(options.timeout) s"
                    + (holders.isEmpty
                        ? "; no process was seen holding the device" : "; " + holders.joined(separator: "; ")),
                hint: "it returns once they close the device (nvidia-persistenced holds NVIDIA GPUs: stop it); "
                    + "the journal at \(store.directory) is kept: then run 'vfioctl recover'")
        }

        if let failure {
            do {
                try rollBack(&done, after: failure, devices: devices, mover: mover)
            } catch {
                report.devices += done
                throw error
            }
            report.devices += done
            throw failure
        }
        let first = report.devices.count
        report.devices += done
        // The records read for the checks are still the file's when this command has held the lock
        // since before that read (the caller's) and no recovery rewrote them: only vfioctl under
        // the lock writes them. Otherwise they are read again.
        try recordManaged(
            report.devices[first...], devices: devices, forgetting: stale,
            records: heldByCaller && !recovered ? recordsRead : nil)
        try store.removeJournal()
        lock.release()
        // udev may still be setting owners and permissions on the new nodes. This waits outside the
        // lock: udev's own rule for hot-plugged devices runs vfioctl, which needs the lock to finish.
        let bound = done.filter { $0.status == .changed && $0.deviceNode != nil }
        guard options.waitForUdev, !bound.isEmpty else { return }
        let deadline = Monotonic.now() + options.timeout
        if let watch {
            let bindEvents = UdevExpectation.kernelSendsBindEvents(release: Uname.release)
            for result in bound {
                if bindEvents { watch.expectation.expectBind(of: result.address) }
                for node in result.nodes.perDevice where !existingNodes.contains(node) {
                    watch.expectation.expectNode(node)
                }
            }
            if !watch.wait(until: deadline) {
                report.checks.append(
                    "warning: udev had not finished processing events after \(options.timeout) s (still waiting for \(watch.expectation.pending.joined(separator: ", ")))"
                )
            }
        } else if !UdevSettle.wait(until: deadline) {
            report.checks.append("warning: udev had not finished processing events after \(options.timeout) s")
        }
    }

    /// After `failure`, puts back every device this transaction had already moved, and reports the
    /// devices it never reached: every device of the transaction ends in the report with its final
    /// status. Each device is tried even when another cannot be put back; then the journal is kept
    /// (for `vfioctl recover`) and the error names every device left changed.
    private func rollBack(
        _ done: inout [OperationReport.DeviceResult], after failure: VFIOError, devices: [Subject],
        mover: DeviceMover
    ) throws(VFIOError) {
        let failed = done.last?.address
        var stuck = done.filter { $0.restoreError != nil }.map { "\($0.address) (\($0.restoreError!))" }
        for index in done.indices where done[index].status == .changed {
            let mark = mover.writer.mark
            do throws(BindFailure) {
                try mover.restore(done[index].address, to: done[index].from)
                done[index].status = .rolledBack
                done[index].message =
                    "moved to \(done[index].to?.rawValue ?? "no driver"), then put back"
                    + (failed.map { " because \($0) failed" } ?? "")
                done[index].to = done[index].from.driver
                done[index].nodes = VFIONodes()
                if let failed = restoreResetMethod(done[index].address, done[index].resetMethod, mover: mover) {
                    throw BindFailure(message: failed)
                }
                done[index].resetMethod = nil
            } catch {
                done[index].status = .failed
                done[index].restoreError = error.message
                done[index].message = "putting it back on \(done[index].from) failed: \(error.message)"
                stuck.append("\(done[index].address) (\(error.message))")
            }
            done[index].steps += mover.writer.steps(since: mark)
        }
        for index in devices.indices.dropFirst(done.count) {
            done.append(
                .init(
                    address: devices[index].address, from: devices[index].binding, to: devices[index].binding.driver,
                    status: .unchanged, group: devices[index].iommuGroup,
                    message: "not attempted" + (failed.map { ": \($0) failed first" } ?? "")))
        }
        guard stuck.isEmpty else {
            throw VFIOError(
                .failed, "\(failure.message); putting back \(stuck.joined(separator: ", ")) failed too",
                hint: "the journal at \(store.directory) is kept; run 'vfioctl recover'")
        }
        try store.removeJournal()
    }

    /// Bound devices become managed records (keeping the driver they had before vfioctl first
    /// touched them); released devices stop being managed.
    /// The i-th of `results` is the result for `devices[i]` (the transaction runs them in order).
    private func recordManaged(
        _ results: ArraySlice<OperationReport.DeviceResult>, devices: [Subject],
        forgetting stale: Set<PCIAddress>, records: ManagedRecords?
    ) throws(VFIOError) {
        // By address: one lookup per device moved, not a scan of every record.
        var managed: ManagedRecords
        if let records { managed = records } else { managed = try readManagedByAddress() }
        for address in confirmedStale(stale, records: managed) { managed.removeValue(forKey: address) }
        managed.reserveCapacity(managed.count + results.count)
        let now = clock()
        for (offset, result) in results.enumerated() where result.status == .changed {
            let address = result.address
            let existing = managed.removeValue(forKey: address)
            // The identity read before the move: binding does not change it.
            guard !result.released, let driver = result.to, offset < devices.count,
                devices[offset].address == address
            else { continue }
            let ids = devices[offset].identity
            let original = existing?.original ?? result.from
            if driver == original.driver { continue }
            // The list the device had before vfioctl first wrote it is what a release puts back.
            let change = result.resetMethod
            managed[address] = ManagedDevice(
                address: address, vendor: ids.vendor, device: ids.device,
                original: original, driver: driver, since: existing?.since ?? now,
                originalResetMethod: existing?.originalResetMethod ?? change?.before,
                resetMethod: change?.after ?? existing?.resetMethod)
        }
        try store.writeManaged(Array(managed.values))
    }

    /// The managed records by address, as `ManagedRecords`.
    func readManagedByAddress() throws(VFIOError) -> ManagedRecords {
        Dictionary(try store.readManaged().map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Drops the records of devices that are back on their original binding, under the lock.
    private func forgetRecords(_ stale: Set<PCIAddress>, options: Options) throws(VFIOError) {
        let (lock, _) = try operationLock(options)
        defer { lock.release() }
        let managed = try store.readManaged()
        let dropped = confirmedStale(
            stale, records: Dictionary(managed.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first }))
        let kept = managed.filter { !dropped.contains($0.address) }
        if kept.count != managed.count { try store.writeManaged(kept) }
    }

    /// The `stale` records that are still stale, checked under the lock against the kernel. They
    /// were judged from a device read and a records read that another vfioctl may have come between
    /// (the device read on its original driver, then bound and recorded by the other run): a device
    /// that is on the driver its record names is managed, and keeps its record.
    private func confirmedStale(_ stale: Set<PCIAddress>, records: [PCIAddress: ManagedDevice]) -> Set<PCIAddress> {
        let reader = DeviceMover(writer: KernelWriter(kernel: kernel, dryRun: true))
        return stale.filter { address in
            guard let record = records[address] else { return false }
            guard let now = try? reader.currentBinding(address) else { return true }
            return !record.driver.holds(now.driver)
        }
    }
}

/// What one engine learnt of the kernel's modules: whether each is loaded, and the PCI driver a
/// loaded one registered (only found answers: a module that registers none is asked again).
private final class ModuleAnswers {
    var loaded: [ModuleName: Bool] = [:]
    var drivers: [ModuleName: DriverName] = [:]
}
