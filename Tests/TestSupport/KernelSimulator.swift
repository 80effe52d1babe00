#if canImport(Glibc)
import Glibc
#endif
import VFIOCore
import VFIOSystem

/// An in-memory Linux PCI core for tests, behind the same `KernelAccess` boundary as the real kernel.
///
/// It serves a sysfs tree laid out exactly like `/sys` (so `SysfsWalkEnumerator` reads it like a real
/// one) and reproduces the binding semantics of /work/shared/notes/kernel-sysfs.md, errno for errno:
/// driver_override, bind/unbind, drivers_probe, new_id/remove_id, SR-IOV, module loading, `/dev/vfio`
/// nodes. It also records every write, can fail chosen writes and probes, and refuses (EINTR, counted
/// in `blockedUnbinds`) the unbinds that would block forever in the kernel.
///
///     let kernel = KernelSimulator.standard()
///     try kernel.write("bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci")
///
/// Thread-safe: one lock around all state.
public final class KernelSimulator: KernelAccess, @unchecked Sendable {
    let lock = SimulatorLock()
    var core: SimulatorCore

    init(core: SimulatorCore) {
        self.core = core
    }

    /// A machine built from scratch; see `Builder`.
    public convenience init(_ builder: Builder) {
        self.init(core: builder.makeCore())
    }

    // MARK: SysfsAccess

    /// What `LiveSysfs(root: "/sys")` shows for the same path.
    public func displayPath(_ path: String) -> String { "/sys/" + path }

    /// Like `LiveSysfs.read` (open with O_NOFOLLOW): a link as last component is ELOOP, a directory
    /// EISDIR, a write-only attribute EACCES.
    public func read(_ path: String) throws(SysfsError) -> String {
        try lock.withLock { () throws(SysfsError) -> String in
            do throws(KernelErrno) {
                try core.checkNotLockedByPendingWrite(reading: path)
                let (_, node) = try core.tree().resolve(path, followLast: false)
                switch node {
                case .directory: throw KernelErrno(EISDIR)
                case .link: throw KernelErrno(ELOOP)
                case .file(let content, _):
                    guard let content else { throw KernelErrno(EACCES) }
                    return content
                }
            } catch {
                throw SysfsError(.read, displayPath(path), errno: error.code)
            }
        }
    }

    public func readLink(_ path: String) throws(SysfsError) -> String {
        try lock.withLock { () throws(SysfsError) -> String in
            do throws(KernelErrno) {
                let (_, node) = try core.tree().resolve(path, followLast: false)
                guard case .link(let target) = node else { throw KernelErrno(EINVAL) }
                return target
            } catch {
                throw SysfsError(.readLink, displayPath(path), errno: error.code)
            }
        }
    }

    public func list(_ path: String) throws(SysfsError) -> [SysfsEntry] {
        try lock.withLock { () throws(SysfsError) -> [SysfsEntry] in
            do throws(KernelErrno) {
                let tree = core.tree()
                let (resolved, node) = try tree.resolve(path, followLast: true)
                guard case .directory = node else { throw KernelErrno(Glibc.ENOTDIR) }
                return tree.entries(of: resolved)
            } catch {
                throw SysfsError(.list, displayPath(path), errno: error.code)
            }
        }
    }

    /// One write(2). Order of events: the write is counted; an injected failure for this write number
    /// fails it with no effect; the path is opened (ENOENT, ENOTDIR, ELOOP for a final link, EISDIR,
    /// EACCES for a read-only attribute); an injected path failure applies; a 0-byte write succeeds
    /// with no effect; the handler sees at most one page; a longer value that the handler accepted
    /// ends as EIO (the short write LiveSysfs reports), its effect applied.
    public func write(_ path: String, _ value: String) throws(SysfsError) {
        try lock.withLock { () throws(SysfsError) in
            core.writeCount += 1
            let number = core.writeCount
            do throws(KernelErrno) {
                if let injected = core.writeFaults.removeValue(forKey: number) { throw KernelErrno(injected) }
                let (resolved, node) = try core.tree().resolve(path, followLast: false)
                let handler: SimulatorTree.Handler
                switch node {
                case .directory: throw KernelErrno(EISDIR)
                case .link: throw KernelErrno(ELOOP)
                case .file(_, let writable):
                    guard let writable else { throw KernelErrno(EACCES) }
                    handler = writable
                }
                if let at = core.pathFaults.firstIndex(where: {
                    path.hasSuffix($0.suffix) || resolved.hasSuffix($0.suffix)
                }) {
                    throw KernelErrno(core.pathFaults.remove(at: at).errno)
                }
                let bytes = Array(value.utf8)
                if !bytes.isEmpty {
                    try core.store(handler, Array(bytes.prefix(KernelText.pageSize)))
                    if bytes.count > KernelText.pageSize { throw KernelErrno(EIO) }
                }
                core.writeLog.append((path: path, value: value, errno: nil))
            } catch {
                core.writeLog.append((path: path, value: value, errno: error.code))
                throw SysfsError(.write, displayPath(path), errno: error.code)
            }
        }
    }

    /// A bounded write: a write that would block in the kernel (the unbind of a VFIO device whose
    /// group a user holds; `sriov_numvfs` = 0 while such a VF exists) is left pending, as in the
    /// kernel, and made when the last holder lets go (`release(group:)`); every other write is made
    /// at once.
    public func boundedWrite(_ path: String, _ value: String, timeout: Double) throws(SysfsError) -> BoundedWrite {
        let pid = lock.withLock { () -> Int? in
            guard let group = core.groupBlocking(path, value) else { return nil }
            core.pendingWritesStarted += 1
            let pid = Self.pendingPIDBase + core.pendingWritesStarted
            core.pendingWrites.append(.init(path: path, value: value, pid: pid, group: group))
            return pid
        }
        guard let pid else {
            try write(path, value)
            return .done
        }
        return .pending(pid: Int32(pid))
    }

    /// A pending write's process runs until the write is made.
    public func writeIsPending(pid: Int) -> Bool {
        lock.withLock { core.pendingWrites.contains { $0.pid == pid } }
    }

    /// The pids `boundedWrite` reports for pending writes start here (no real process).
    public static let pendingPIDBase = 4_000_000

    /// Writes left pending by `boundedWrite`, not made yet.
    public var pendingWrites: Int { lock.withLock { core.pendingWrites.count } }

    // MARK: KernelAccess

    /// `modprobe MODULE`: loads its dependencies, registers its drivers, offers each driver every unbound
    /// device (so a device whose driver_override names one binds now; modprobe still succeeds when that
    /// probe fails). Already loaded or built in: nothing happens. Unknown module (or `failLoad`): the
    /// error LiveKernel reports for modprobe's exit status 1.
    public func loadModule(_ module: ModuleName) throws(VFIOError) {
        try lock.withLock { () throws(VFIOError) in
            core.moduleLoads.append(module)
            try core.load(module)
        }
    }

    /// The simulator is a running kernel of its own: it loads modules.
    public var canLoadModules: Bool { true }

    /// `/dev/vfio/N` while a member of group N is bound to a VFIO driver; `/dev/vfio/vfio` while the
    /// `vfio` module is loaded; with device cdevs modelled, `/dev/vfio/devices/vfioN` while the device
    /// with `vfio-dev/vfioN` is bound. Nothing else exists.
    public func deviceNodeExists(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        guard components.count >= 3, components[0] == "dev", components[1] == "vfio" else { return false }
        return lock.withLock {
            if components.count == 4, components[2] == "devices", components[3].hasPrefix("vfio"),
                let n = Int(components[3].dropFirst(4))
            {
                return core.devices.values.contains { $0.cdev == n }
            }
            guard components.count == 3 else { return false }
            if components[2] == "vfio" { return core.groupNodes && core.isLoaded(ModuleName("vfio")!) }
            if components[2].hasPrefix("noiommu-") {
                guard let group = IOMMUGroup(components[2].dropFirst("noiommu-".count)) else { return false }
                return core.noIOMMUGroups.contains(group) && core.vfioGroupNodeExists(group)
            }
            guard let group = IOMMUGroup(components[2]), !core.noIOMMUGroups.contains(group) else { return false }
            return core.vfioGroupNodeExists(group)
        }
    }

    // MARK: VFIO users

    /// A VFIO user opens the group (`/dev/vfio/GROUP`, or a member's device cdev); a member must be bound
    /// to a VFIO driver. While held: unbinding a VFIO-bound
    /// member, or destroying such a VF, would block in the kernel; here it is counted in
    /// `blockedUnbinds` and fails with EINTR, nothing changed. Host drivers cannot bind members (EBUSY).
    public func holdOpen(group: IOMMUGroup) {
        lock.withLock {
            precondition(
                core.groupHasVFIOMember(group),
                "simulator: no member of group \(group) is on a VFIO driver, nobody can open it")
            core.holds[group, default: 0] += 1
        }
    }

    /// The user closes one hold of the group.
    public func release(group: IOMMUGroup) {
        let unblocked = lock.withLock { () -> [SimulatorCore.PendingWrite] in
            guard let count = core.holds[group], count > 0 else { return [] }
            core.holds[group] = count == 1 ? nil : count - 1
            guard count == 1 else { return [] }
            let unblocked = core.pendingWrites.filter { $0.group == group }
            core.pendingWrites.removeAll { $0.group == group }
            return unblocked
        }
        // The kernel's blocked writes return now.
        for write in unblocked { try? self.write(write.path, write.value) }
    }

    public func isHeld(group: IOMMUGroup) -> Bool { lock.withLock { core.isHeld(group) } }

    /// How many unbinds would have blocked in the kernel (vfioctl must never attempt one).
    public var blockedUnbinds: Int { lock.withLock { core.blockedUnbinds } }
    /// Reads that would have waited in the kernel for the lock of a device with a pending write.
    public var blockedReads: Int { lock.withLock { core.blockedReads } }

    // MARK: Fault injection

    /// The `n`-th write call (1-based, counting every call since the simulator was built, failed ones
    /// included) fails with `errno` and has no effect.
    public func failWrite(at n: Int, errno: Int32) {
        lock.withLock { core.writeFaults[n] = errno }
    }

    /// The next write whose path (as given, or resolved) ends with `suffix` fails with `errno`, no effect.
    /// Path errors (ENOENT...) take precedence.
    public func failNextWrite(toPathEndingWith suffix: String, errno: Int32) {
        lock.withLock { core.pathFaults.append((suffix: suffix, errno: errno)) }
    }

    /// Every probe by `driver` fails with `errno` (the test variant's `fail_probe` parameter is this with
    /// ENODEV). The device stays unbound; `bind` reports the errno, drivers_probe and modprobe do not.
    public func failProbe(driver: DriverName, errno: Int32) {
        lock.withLock { core.probeFaults[SimulatorCore.ProbeFault(driver: driver, device: nil)] = errno }
    }

    /// Probes of `device` by `driver` fail with `errno`.
    public func failProbe(driver: DriverName, device: PCIAddress, errno: Int32) {
        lock.withLock { core.probeFaults[SimulatorCore.ProbeFault(driver: driver, device: device)] = errno }
    }

    /// Removes the injected probe failures of `driver` (all devices).
    public func clearProbeFailures(driver: DriverName) {
        lock.withLock { core.probeFaults = core.probeFaults.filter { $0.key.driver != driver } }
    }

    /// `modprobe MODULE` fails (exit status 1) without loading anything.
    public func failLoad(module: ModuleName) {
        lock.withLock { _ = core.loadFaults.insert(module) }
    }

    // MARK: Records

    /// Every write call in order, with the errno it failed with (nil: success).
    public var writes: [(path: String, value: String, errno: Int32?)] { lock.withLock { core.writeLog } }

    /// Number of write calls so far (failed ones included).
    public var writeCount: Int { lock.withLock { core.writeCount } }

    /// Every `loadModule` call in order (also the ones that failed or found the module loaded).
    public var moduleLoads: [ModuleName] { lock.withLock { core.moduleLoads } }

    // MARK: State

    public func driver(of address: PCIAddress) -> DriverName? { lock.withLock { core.devices[address]?.spec.driver } }

    /// The override as a driver name (nil when unset, or when the stored text is not a valid name).
    public func override(of address: PCIAddress) -> DriverName? {
        lock.withLock { core.devices[address]?.spec.driverOverride.flatMap { DriverName($0) } }
    }

    /// The raw stored driver_override text.
    public func overrideText(of address: PCIAddress) -> String? {
        lock.withLock { core.devices[address]?.spec.driverOverride }
    }

    public func group(of address: PCIAddress) -> IOMMUGroup? { lock.withLock { core.devices[address]?.spec.group } }

    /// Driver and override of every device.
    public func state() -> [PCIAddress: (driver: DriverName?, override: DriverName?)] {
        lock.withLock {
            core.devices.mapValues {
                (driver: $0.spec.driver, override: $0.spec.driverOverride.flatMap { DriverName($0) })
            }
        }
    }

    /// Every device, in bus order (VFs last, as created).
    public var addresses: [PCIAddress] { lock.withLock { core.order } }

    public func contains(_ address: PCIAddress) -> Bool { lock.withLock { core.devices[address] != nil } }

    public func members(of group: IOMMUGroup) -> [PCIAddress] {
        lock.withLock { core.order.filter { core.devices[$0]?.spec.group == group } }
    }

    public func virtualFunctions(of pf: PCIAddress) -> [PCIAddress] {
        lock.withLock { core.devices[pf]?.virtfns ?? [] }
    }

    public func physicalFunction(of vf: PCIAddress) -> PCIAddress? { lock.withLock { core.devices[vf]?.physfn } }

    public func driversAutoprobe(of pf: PCIAddress) -> Bool? {
        lock.withLock { core.devices[pf]?.spec.sriov?.driversAutoprobe }
    }

    /// Registered PCI drivers in registration order.
    public var registeredDrivers: [DriverName] { lock.withLock { core.drivers.map(\.name) } }

    public func dynamicIDs(of driver: DriverName) -> [IDEntry] {
        lock.withLock { core.driver(named: driver)?.dynamicIDs ?? [] }
    }

    public func isLoaded(_ module: ModuleName) -> Bool { lock.withLock { core.isLoaded(module) } }

    public var loadedModules: [ModuleName] { lock.withLock { core.loaded } }

    /// Existing `/dev/vfio` nodes, as absolute paths: `vfio`, groups by number, then device cdevs.
    public var vfioDeviceNodes: [String] {
        lock.withLock {
            let groups = Set(core.devices.values.compactMap(\.spec.group)).filter { core.vfioGroupNodeExists($0) }
            let nodes = groups.sorted().map { "/dev/vfio/\($0)" }
            let cdevs = core.devices.values.compactMap(\.cdev).sorted().map { "/dev/vfio/devices/vfio\($0)" }
            return (core.groupNodes && core.isLoaded(ModuleName("vfio")!) ? ["/dev/vfio/vfio"] : []) + nodes + cdevs
        }
    }

    // MARK: Conveniences for tests (trap on a bad literal)

    /// The errno a write fails with; nil when it succeeds.
    public func writeErrno(_ path: String, _ value: String) -> Int32? {
        do {
            try write(path, value)
            return nil
        } catch {
            return error.errno
        }
    }

    /// The errno a read fails with; nil when it succeeds.
    public func readErrno(_ path: String) -> Int32? {
        do {
            _ = try read(path)
            return nil
        } catch {
            return error.errno
        }
    }

    /// What `SysfsWalkEnumerator` reads from the simulated sysfs right now.
    public func inventory() throws(VFIOError) -> DeviceInventory {
        try SysfsWalkEnumerator(sysfs: self, userGivenRoot: true).enumerate()
    }

    /// One line per device, `ADDR driver=D override=O group=G`, for failure messages.
    public var summary: String {
        lock.withLock {
            core.order.compactMap { address -> String? in
                guard let spec = core.devices[address]?.spec else { return nil }
                return "\(address) driver=\(spec.driver?.rawValue ?? "-") override=\(spec.driverOverride ?? "-")"
                    + " group=\(spec.group?.description ?? "-")"
            }.joined(separator: "\n")
        }
    }

    public func driver(of address: String) -> DriverName? { driver(of: simAddress(address)) }
    public func override(of address: String) -> DriverName? { override(of: simAddress(address)) }
    public func group(of address: String) -> IOMMUGroup? { group(of: simAddress(address)) }
    public func failProbe(driver: String, errno: Int32) { failProbe(driver: simDriver(driver), errno: errno) }
    public func loadModule(_ module: String) throws(VFIOError) { try loadModule(simModule(module)) }
}

/// A pthread mutex (no Foundation in the test support either).
final class SimulatorLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
