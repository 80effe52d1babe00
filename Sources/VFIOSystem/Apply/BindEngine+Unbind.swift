import VFIOCore

/// `unbind` / `reattach`: back to the driver a device had before vfioctl moved it (the managed
/// record), or, with no record, to the kernel's own choice.
extension BindEngine {
    public struct ReleaseRequest: Sendable {
        public var device: PCIDevice
        /// The native driver's modules, the first loaded when there is no record (or the recorded
        /// driver names no module); asked only then.
        public var hostModules: @Sendable () -> [ModuleName]
        public init(device: PCIDevice, hostModules: @escaping @Sendable () -> [ModuleName]) {
            self.device = device
            self.hostModules = hostModules
        }
        /// With the modules already known (from a plan).
        public init(device: PCIDevice, hostModules: [ModuleName]) {
            self.init(device: device) { hostModules }
        }
    }

    public func unbind(_ requests: [ReleaseRequest], options: Options) -> OperationReport {
        transact(
            operation: "unbind", binds: [], releases: requests, inventory: DeviceInventory(devices: []),
            companions: { BindEngine.Request(device: $0, chain: []) }, options: options)
    }

    struct Release {
        var request: ReleaseRequest
        var current: DeviceBinding
        var record: ManagedDevice?

        /// The reset methods the device had before vfioctl wrote them, when it did: the release
        /// writes them back (before the driver it came from, as the bind wrote them before the new
        /// driver), and the journal keeps the list vfioctl wrote for recovery to put back.
        var resetChange: ResetMethodChange? {
            record.flatMap { record in
                record.originalResetMethod.map { ResetMethodChange(before: record.resetMethod ?? [], after: $0) }
            }
        }
    }

    /// Checks before returning devices to host drivers; devices already where they belong are
    /// reported unchanged.
    /// A record whose device is back on its original binding (a hot-unplug and rescan does that)
    /// goes into `stale`: the device is no longer managed, and the transaction drops the record.
    /// The records it read are left in `records`, for the transaction's end to update (`execute`).
    func prepareRelease(
        _ requests: [ReleaseRequest], options: Options, report: inout OperationReport,
        refusals: inout [String], stale: inout Set<PCIAddress>, records: inout ManagedRecords?
    ) throws(VFIOError) -> [Release] {
        guard !requests.isEmpty else { return [] }
        let managed = try readManagedByAddress()
        records = managed
        var moving: [Release] = []
        let checker = SafetyChecker(host: host, vfioDrivers: vfioDrivers)
        for request in requests {
            let device = request.device
            let current = DeviceBinding(driver: device.driver, override: device.driverOverride)
            var record = managed[device.address]
            if let found = record, found.vendor != device.identity.vendor || found.device != device.identity.device {
                report.checks.append(
                    "ignored the record for \(device.address): it was \(found.vendor):\(found.device), the device there is now \(device.identity.vendor):\(device.identity.device); the record is dropped"
                )
                stale.insert(found.address)
                record = nil
            }
            if let record, record.original == current {
                report.devices.append(
                    .init(
                        address: device.address, from: current, to: current.driver, status: .unchanged,
                        group: device.iommuGroup, message: "already on \(current); no longer managed", released: true))
                stale.insert(record.address)
                continue
            }
            let onVFIO = device.driver.map(vfioDrivers.isVFIO) ?? false
            let onStub = device.driver == .pciStub
            if record == nil && !onVFIO && !onStub && device.driverOverride == nil && device.driver != nil {
                report.devices.append(
                    .init(
                        address: device.address, from: current, to: device.driver, status: .unchanged,
                        group: device.iommuGroup,
                        message: "not managed and already on its host driver \(device.driver!)",
                        released: true))
                continue
            }
            // A bridge or a PF with VFs may return to its host driver; only the other checks apply.
            screen(
                checker.findings(for: device).filter { $0.code != .bridge && $0.code != .sriovPF },
                options: options, report: &report, refusals: &refusals)
            moving.append(Release(request: request, current: current, record: record))
        }
        return moving
    }

    func release(_ release: Release, mover: DeviceMover, options: Options) -> OperationReport.DeviceResult {
        let device = release.request.device
        let current = release.current
        let record = release.record
        var result = OperationReport.DeviceResult(
            address: device.address, from: current, to: nil,
            status: options.dryRun ? .planned : .changed, group: device.iommuGroup,
            released: true)
        let mark = mover.writer.mark
        do throws(BindFailure) {
            if let resetChange = release.resetChange {
                try mover.setResetMethods(device.address, resetChange.after)
                result.resetMethod = resetChange
            }
            if let record {
                // Back to "no driver" needs no module.
                var load: ModuleName?
                if record.original.driver != nil {
                    load = try loadIfNeeded(
                        moduleFor: record.original.driver, hostModules: release.request.hostModules,
                        dryRun: options.dryRun)
                }
                try mover.restore(device.address, to: record.original)
                result.to = record.original.driver
                result.message = "back to its recorded driver"
                if options.dryRun, let load {
                    result.message! += "; would load module \(load) first (modprobe \(load))"
                }
            } else {
                let load = try loadIfNeeded(
                    moduleFor: nil, hostModules: release.request.hostModules, dryRun: options.dryRun)
                if options.dryRun, let load { result.message = "would load module \(load) first (modprobe \(load))" }
                try mover.reprobe(device.address, from: current)
                if !options.dryRun {
                    let after = try? mover.currentBinding(device.address)
                    result.to = after?.driver
                    result.message =
                        after?.driver == nil
                        ? "no record; the kernel's default choice left it without a driver (no host driver matches it)"
                        : "no record; the kernel chose \(after!.driver!)"
                }
            }
        } catch {
            result.status = .failed
            result.message = error.message
            // Put it back on the driver it was on before this command, with its reset methods.
            do throws(BindFailure) {
                try mover.restore(device.address, to: current)
                if let failed = restoreResetMethod(device.address, result.resetMethod, mover: mover) {
                    throw BindFailure(message: failed)
                }
                result.resetMethod = nil
            } catch let again {
                result.restoreError = again.message
                result.message = "\(error.message); putting it back on \(current) failed too: \(again.message)"
                result.failure = VFIOError(
                    .failed, "\(device.address): \(result.message!)",
                    hint: "check 'vfioctl show \(device.address)' and dmesg")
            }
        }
        result.steps = mover.writer.steps(since: mark)
        return result
    }

    /// The host driver's module may not be loaded (drivers_probe never loads modules; udev does
    /// that on hot-plug): load the recorded driver's module, or the first native candidate. Returns
    /// the module it loaded, or in a dry run the one it would load (and loads nothing).
    private func loadIfNeeded(
        moduleFor driver: DriverName?, hostModules: () -> [ModuleName], dryRun: Bool
    ) throws(BindFailure) -> ModuleName? {
        if let driver, (try? kernel.list(PCIPaths.driverDirectory(driver))) != nil { return nil }
        guard let module = driver.flatMap({ ModuleName($0.rawValue) }) ?? hostModules().first else { return nil }
        if isLoaded(module) { return nil }
        if dryRun { return module }
        do { try load(module) } catch {
            if driver != nil { throw BindFailure(message: error.message) }
        }
        return module
    }
}
