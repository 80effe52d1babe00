#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// `vfioctl reset DEVICE`: a function reset through sysfs (`echo 1 > /sys/bus/pci/devices/BDF/reset`,
/// which tries the methods of `reset_method` in order). Only for a device no host driver is using
/// (unbound, or on a VFIO driver) and no process holds open: a reset under a user loses its state.
/// The write is bounded: a reset the kernel blocks returns exit 6 with the write still pending.
public struct DeviceReset {
    public let kernel: any KernelAccess
    public let store: StateStore
    public let host: HostState
    public let vfioDrivers: VFIODriverSet

    /// Refusal code of a device on a host driver (`--force host-driver`).
    public static let hostDriverCode = "host-driver"

    public init(kernel: any KernelAccess, store: StateStore, host: HostState, vfioDrivers: VFIODriverSet) {
        self.kernel = kernel
        self.store = store
        self.host = host
        self.vfioDrivers = vfioDrivers
    }

    /// The lock, taken before the device is read, and what finishing an interrupted run said.
    public struct Locked {
        /// nil in a dry run, which takes no lock.
        let lock: StateLock?
        /// Lines to print as warnings (what recovery did).
        public let notes: [String]

        public func release() { lock?.release() }
    }

    /// What every writing command does before it reads its devices: takes the lock and finishes an
    /// interrupted run (`BindEngine.recoverLocked`). A write such a run left blocked in the kernel
    /// is waited for at most `timeout` seconds, then exit 6 naming it, nothing written: a reset
    /// would block behind it (pci_reset_function takes the device's lock the pending write holds).
    /// A dry run takes no lock and recovers nothing.
    public func lock(timeout: Double, lockTimeout: Double, dryRun: Bool) throws(VFIOError) -> Locked {
        guard !dryRun else { return Locked(lock: nil, notes: []) }
        let lock = try store.lock(timeout: lockTimeout)
        var report = OperationReport(operation: "recover", dryRun: false)
        do {
            try BindEngine(kernel: kernel, store: store, host: host, vfioDrivers: vfioDrivers)
                .recoverLocked(forced: [], timeout: timeout, report: &report)
        } catch {
            lock.release()
            throw error
        }
        return Locked(lock: lock, notes: report.checks)
    }

    /// Checks and writes, under `locked` (read the device after taking it); returns the line to print.
    public func reset(
        _ device: PCIDevice, forced: Set<String>, timeout: Double, locked: Locked
    ) throws(VFIOError) -> String {
        let dryRun = locked.lock == nil
        let address = device.address
        let path = PCIPaths.device(address) + "/reset"
        let entries = (try? kernel.list(PCIPaths.device(address))) ?? []
        guard entries.contains(where: { $0.name == "reset" }) else {
            throw .notFound(
                "\(address) cannot be reset: it has no reset attribute (the kernel knows no reset method for it)",
                hint: "a reset of its bus or slot may still work: see 'vfioctl show \(address)'")
        }
        var refusals: [String] = []
        if let driver = device.driver, !vfioDrivers.isVFIO(driver), !forced.contains(Self.hostDriverCode) {
            refusals.append(
                "\(address): is in use by its host driver \(driver) (unbind it first, or override with --force \(Self.hostDriverCode))"
            )
        }
        for finding in SafetyChecker(host: host, vfioDrivers: vfioDrivers).findings(for: device)
        where finding.code == .openFD {
            if !forced.contains(finding.code.rawValue) { refusals.append(finding.message) }
        }
        guard refusals.isEmpty else {
            throw VFIOError(.refused, refusals.joined(separator: "; "), hint: "nothing was changed")
        }
        if dryRun { return "would write \"1\" > \(kernel.displayPath(path))" }
        try Preflight.checkWritable(address, kernel: kernel)
        let started = Monotonic.now()
        let outcome: BoundedWrite
        do {
            outcome = try kernel.boundedWrite(path, "1", timeout: timeout)
        } catch {
            throw Self.error(error, address: address)
        }
        if case .pending(let pid) = outcome {
            // The next writing command must not write to the device before the reset returns.
            let write = Journal.Pending(address: address, path: kernel.displayPath(path), value: "1", pid: Int(pid))
            var journaled = "the journal at \(store.directory) records it"
            do {
                try store.recordPendingWrite(write, operation: "reset", started: WallClock.now())
            } catch {
                journaled = "recording it in the journal failed: \(error.message)"
            }
            throw VFIOError(
                .timedOut,
                "the reset of \(address) (write \"1\" > \(kernel.displayPath(path))) did not return within \(timeout) s; it is still pending in process \(pid)",
                hint: "it completes by itself once the kernel lets it; see dmesg; \(journaled)")
        }
        let milliseconds = Int((Monotonic.now() - started) * 1000)
        return "\(address): reset (\(milliseconds) ms)"
    }

    static func error(_ error: SysfsError, address: PCIAddress) -> VFIOError {
        switch error.errno {
        // pci_reset_function: every method of reset_method failed or none applies now.
        case ENOTTY:
            VFIOError(
                .failed, "the reset of \(address) failed: no reset method of its reset_method works now (ENOTTY)",
                hint: "see 'vfioctl show \(address)' and dmesg")
        default: LowLevel.error(error, doing: "reset \(address)")
        }
    }
}
