#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// An errno from a simulated kernel operation (internal; the public surface throws SysfsError).
struct KernelErrno: Error, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

/// The simulated PCI core: every piece of state, and the kernel's semantics over it. Not thread-safe
/// by itself; `KernelSimulator` serialises every access with its lock.
struct SimulatorCore {
    struct Device {
        var spec: KernelSimulator.DeviceSpec
        var physfn: PCIAddress?
        var virtfns: [PCIAddress] = []
        /// N of `vfio-dev/vfioN` while bound to a VFIO driver, when device cdevs are modelled.
        var cdev: Int?
        /// What `reset_method` reads now (the supported methods until a write changes it).
        var activeResetMethods: [String]?
        var address: PCIAddress { spec.address }
    }

    struct Driver {
        var spec: KernelSimulator.DriverSpec
        /// nil for a built-in driver.
        var module: ModuleName?
        var dynamicIDs: [KernelSimulator.IDEntry] = []
        var name: DriverName { spec.name }
    }

    struct ProbeFault: Hashable {
        var driver: DriverName
        var device: PCIAddress?
    }

    var devices: [PCIAddress: Device] = [:]
    /// Devices in the bus's klist order (the order driver_attach walks): boot order, then VFs as created.
    var order: [PCIAddress] = []
    var modules: [ModuleName: KernelSimulator.ModuleSpec] = [:]
    /// Loaded modules in load order.
    var loaded: [ModuleName] = []
    /// Registered drivers in registration order (the order device_attach tries them).
    var drivers: [Driver] = []
    var holds: [IOMMUGroup: Int] = [:]
    /// `/dev/vfio/GROUP` nodes (CONFIG_VFIO_GROUP; the only interface on 6.1).
    var groupNodes = true
    /// iommufd device cdevs: `vfio-dev/vfioN` and `/dev/vfio/devices/vfioN` (6.6+).
    var deviceCdevs = false
    /// CONFIG_VFIO_NOIOMMU, and whether `enable_unsafe_noiommu_mode` is on.
    var noIOMMUAvailable = false
    var noIOMMUEnabled = false
    /// The groups vfio made for devices without an IOMMU (`vfio_noiommu_group_alloc`).
    var noIOMMUGroups: Set<IOMMUGroup> = []

    var writeLog: [(path: String, value: String, errno: Int32?)] = []
    var writeCount = 0
    var writeFaults: [Int: Int32] = [:]
    var pathFaults: [(suffix: String, errno: Int32)] = []
    var probeFaults: [ProbeFault: Int32] = [:]
    var loadFaults: Set<ModuleName> = []
    var moduleLoads: [ModuleName] = []
    var blockedUnbinds = 0
    /// Reads of an attribute whose show function takes the device lock, made while a pending write
    /// holds that lock: in the kernel they wait until the write returns.
    var blockedReads = 0
    /// Writes a bounded write left blocked (an unbind, the removal of VFs), each with the pid
    /// reported for it and the held group it waits for; made when that group is let go.
    var pendingWrites: [PendingWrite] = []
    /// Pending writes ever reported (their pids count up from `KernelSimulator.pendingPIDBase`).
    var pendingWritesStarted = 0

    struct PendingWrite {
        var path: String
        var value: String
        var pid: Int
        var group: IOMMUGroup

        /// The device whose lock the blocked write holds: the one unbound (the value written to
        /// `unbind`), or the one written (`.../ADDRESS/sriov_numvfs`, `.../ADDRESS/reset`).
        func holdsLock(of address: PCIAddress) -> Bool {
            value == address.description || path.contains("/\(address)/")
        }
    }

    /// `driver_override_show` and `sriov_numvfs_show` take the device lock (device_lock), as
    /// `uevent_show` does on kernels with the 2024 fix of its detach race (6.1 stable), which a
    /// pending write to the device holds: such a read would block; it is counted in `blockedReads`
    /// and fails with EINTR instead.
    mutating func checkNotLockedByPendingWrite(reading path: String) throws(KernelErrno) {
        guard path.hasSuffix("/driver_override") || path.hasSuffix("/sriov_numvfs") || path.hasSuffix("/uevent")
        else { return }
        let components = path.split(separator: "/")
        guard components.count >= 2, let address = PCIAddress(components[components.count - 2]),
            pendingWrites.contains(where: { $0.holdsLock(of: address) })
        else { return }
        blockedReads += 1
        throw KernelErrno(EINTR)
    }

    /// The rendered sysfs tree, rebuilt after any change.
    var cachedTree: SimulatorTree?

    // MARK: Lookups

    func driverIndex(_ name: DriverName) -> Int? { drivers.firstIndex { $0.name == name } }

    func driver(named name: DriverName) -> Driver? { driverIndex(name).map { drivers[$0] } }

    /// `bus_find_device_by_name`.
    func findDevice(_ buffer: [UInt8]) -> PCIAddress? {
        order.first { KernelText.sysfsStreq($0.description, buffer) }
    }

    func isHeld(_ group: IOMMUGroup?) -> Bool {
        guard let group else { return false }
        return holds[group, default: 0] > 0
    }

    /// `/dev/vfio/GROUP` exists while at least one member is bound to a VFIO driver.
    func vfioGroupNodeExists(_ group: IOMMUGroup) -> Bool { groupNodes && groupHasVFIOMember(group) }

    func groupHasVFIOMember(_ group: IOMMUGroup) -> Bool {
        order.contains { address in
            guard let device = devices[address], device.spec.group == group, let bound = device.spec.driver else {
                return false
            }
            return driver(named: bound)?.spec.kind == .vfio
        }
    }

    func isLoaded(_ module: ModuleName) -> Bool { loaded.contains(module) }

    // MARK: Matching (pci_match_device)

    func matches(_ driver: Driver, _ device: Device) -> Bool {
        let override = device.spec.driverOverride
        if let override, override != driver.name.rawValue { return false }
        let identity = device.spec.identity
        if driver.dynamicIDs.contains(where: { $0.matches(identity) }) { return true }
        for entry in driver.spec.ids where entry.matches(identity) {
            if !entry.overrideOnly || override != nil { return true }
        }
        // "driver_override will always match, send a dummy id"
        return override != nil
    }

    // MARK: Probe, attach, release

    /// `driver_probe_device` for an unbound device and a driver that matched: nil on success, or the
    /// probe's errno (the device stays unbound).
    mutating func probe(_ address: PCIAddress, driverAt index: Int) -> Int32? {
        guard let device = devices[address] else { return ENODEV }
        let driver = drivers[index]
        if device.spec.driver != nil { return EBUSY }
        // pci_device_can_probe: a VF under sriov_drivers_autoprobe=0 probes only by driver_override.
        if let pf = device.physfn, devices[pf]?.spec.sriov?.driversAutoprobe == false, device.spec.driverOverride == nil
        {
            return ENODEV
        }
        // A group owned by a VFIO user cannot go back to the DMA API.
        if driver.spec.kind == .host && isHeld(device.spec.group) { return EBUSY }
        if let errno = probeFaults[ProbeFault(driver: driver.name, device: address)]
            ?? probeFaults[ProbeFault(driver: driver.name, device: nil)]
        {
            return errno
        }
        if case .fail(let errno) = driver.spec.probe { return errno }
        if driver.spec.kind == .vfio {
            if device.spec.isBridge { return EINVAL }
            if !device.virtfns.isEmpty { return EBUSY }
            if device.spec.group == nil {
                // vfio_group_find_or_alloc: without an IOMMU only no-IOMMU mode lets VFIO take it.
                guard noIOMMUEnabled else { return EINVAL }
                let group = freeGroup()
                devices[address]?.spec.group = group
                noIOMMUGroups.insert(group)
            }
        }
        devices[address]?.spec.driver = driver.name
        if driver.spec.kind == .vfio && deviceCdevs {
            let used = Set(devices.values.compactMap(\.cdev))
            var n = 0
            while used.contains(n) { n += 1 }
            devices[address]?.cdev = n
        }
        return nil
    }

    /// `device_attach`: tries every matching driver in registration order until one probes successfully.
    /// Probe errors are swallowed, as the kernel does.
    mutating func attach(_ address: PCIAddress) {
        guard let device = devices[address], device.spec.driver == nil else { return }
        for index in drivers.indices where matches(drivers[index], device) {
            if probe(address, driverAt: index) == nil { return }
        }
    }

    /// `driver_attach`: offers every unbound device, in bus order, to one driver.
    mutating func attachAll(driverAt index: Int) {
        for address in order {
            guard let device = devices[address], device.spec.driver == nil, matches(drivers[index], device) else {
                continue
            }
            _ = probe(address, driverAt: index)
        }
    }

    /// `device_release_driver`. Unbinding a VFIO device whose group a user holds would block in the
    /// kernel until the user lets go: recorded, and refused with EINTR instead.
    mutating func release(_ address: PCIAddress) throws(KernelErrno) {
        guard let device = devices[address], let bound = device.spec.driver else { return }
        if driver(named: bound)?.spec.kind == .vfio && isHeld(device.spec.group) {
            blockedUnbinds += 1
            throw KernelErrno(EINTR)
        }
        devices[address]?.spec.driver = nil
        devices[address]?.cdev = nil
        // A no-IOMMU group goes with the VFIO device it was made for.
        if let group = device.spec.group, noIOMMUGroups.remove(group) != nil { devices[address]?.spec.group = nil }
    }

    // MARK: Modules

    /// modprobe: dependencies first, then the module's drivers register and are offered every device.
    mutating func load(_ name: ModuleName, attach: Bool = true) throws(VFIOError) {
        guard let module = modules[name] else {
            throw VFIOError(
                .notFound, "modprobe \(name) failed (exit status 1)",
                hint: "see 'dmesg' and 'modprobe -v \(name)'")
        }
        if isLoaded(name) { return }
        if loadFaults.contains(name) {
            throw VFIOError(
                .notFound, "modprobe \(name) failed (exit status 1)",
                hint: "see 'dmesg' and 'modprobe -v \(name)'")
        }
        for dependency in module.dependencies { try load(dependency, attach: attach) }
        loaded.append(name)
        for spec in module.drivers {
            precondition(driverIndex(spec.name) == nil, "simulator: driver \(spec.name) registered twice")
            drivers.append(Driver(spec: spec, module: module.builtIn ? nil : name))
            if attach { attachAll(driverAt: drivers.count - 1) }
        }
        cachedTree = nil
    }

    // MARK: SR-IOV

    /// Lowest group number no device uses (the kernel allocates group ids from an IDA).
    func freeGroup() -> IOMMUGroup {
        let used = Set(devices.values.compactMap(\.spec.group))
        var n = 0
        while used.contains(IOMMUGroup(n)) { n += 1 }
        return IOMMUGroup(n)
    }

    static func virtualFunctionAddress(of pf: PCIAddress, offset: Int, stride: Int, index: Int) -> PCIAddress? {
        let rid = (Int(pf.bus) << 8 | Int(pf.device) << 3 | Int(pf.function)) + offset + index * stride
        guard rid <= 0xFFFF else { return nil }
        return PCIAddress(
            domain: pf.domain, bus: UInt8(rid >> 8), device: UInt8((rid >> 3) & 0x1F), function: UInt8(rid & 7))
    }

    /// `sriov_enable`: adds the VFs one by one, each in a new IOMMU group, and offers each to the drivers
    /// when `sriov_drivers_autoprobe` is 1.
    mutating func enableVFs(of pf: PCIAddress, count: Int) {
        guard let physical = devices[pf], let capability = physical.spec.sriov else { return }
        for i in 0..<count {
            guard
                let address = Self.virtualFunctionAddress(
                    of: pf, offset: capability.offset, stride: capability.stride,
                    index: i),
                devices[address] == nil
            else { preconditionFailure("simulator: VF \(i) of \(pf) has no free address") }
            let p = physical.spec.identity
            let identity = PCIIdentity(
                vendor: p.vendor, device: capability.vfDevice, subsystemVendor: p.subsystemVendor,
                subsystemDevice: p.subsystemDevice, classCode: p.classCode, revision: p.revision)
            var spec = KernelSimulator.DeviceSpec(address, identity: identity)
            spec.parent = physical.spec.parent
            spec.numaNode = physical.spec.numaNode
            spec.group = freeGroup()
            devices[address] = Device(spec: spec, physfn: pf)
            devices[pf]?.virtfns.append(address)
            order.append(address)
            if capability.driversAutoprobe { attach(address) }
        }
        cachedTree = nil
    }

    /// The held group a write to `path` would block on in the kernel, nil when it would not block:
    /// the unbind of a VFIO device a user holds (vfio waits for the user to let go), or removing the
    /// VFs of a PF (`sriov_numvfs` = 0) while one of them is such a device.
    func groupBlocking(_ path: String, _ value: String) -> IOMMUGroup? {
        let heldVFIOGroup = { (address: PCIAddress) -> IOMMUGroup? in
            guard let device = self.devices[address], let bound = device.spec.driver,
                self.driver(named: bound)?.spec.kind == .vfio, self.isHeld(device.spec.group)
            else { return nil }
            return device.spec.group
        }
        if path.hasSuffix("/unbind"), let address = PCIAddress(value.filter { !$0.isWhitespace }) {
            return heldVFIOGroup(address)
        }
        let components = path.split(separator: "/")
        guard components.last == "sriov_numvfs", components.count >= 2,
            KernelText.parseUnsigned(KernelText.cString(Array(value.utf8))) == 0,
            let pf = PCIAddress(String(components[components.count - 2])), let physical = devices[pf]
        else { return nil }
        return physical.virtfns.lazy.compactMap(heldVFIOGroup).first
    }

    /// `sriov_disable`: releases and removes every VF, last first. Refused as a whole (EINTR, recorded as a
    /// blocked unbind) when one of them is a VFIO device whose group is held.
    mutating func disableVFs(of pf: PCIAddress) throws(KernelErrno) {
        guard let physical = devices[pf] else { return }
        for vf in physical.virtfns {
            guard let device = devices[vf], let bound = device.spec.driver else { continue }
            if driver(named: bound)?.spec.kind == .vfio && isHeld(device.spec.group) {
                blockedUnbinds += 1
                throw KernelErrno(EINTR)
            }
        }
        for vf in physical.virtfns.reversed() {
            try release(vf)
            devices[vf] = nil
            order.removeAll { $0 == vf }
        }
        devices[pf]?.virtfns = []
        cachedTree = nil
    }

    // MARK: Attribute stores

    /// Dispatches one write to the handler of the attribute it landed on. `data` is at most one page.
    mutating func store(_ handler: SimulatorTree.Handler, _ data: [UInt8]) throws(KernelErrno) {
        defer { cachedTree = nil }
        switch handler {
        case .driverOverride(let address): try storeDriverOverride(address, data)
        case .bind(let driver): try storeBind(driver, data)
        case .unbind(let driver): try storeUnbind(driver, data)
        case .newID(let driver): try storeNewID(driver, data)
        case .removeID(let driver): try storeRemoveID(driver, data)
        case .driversProbe: try storeDriversProbe(data)
        case .sriovNumVFs(let address): try storeNumVFs(address, data)
        case .sriovAutoprobe(let address): try storeAutoprobe(address, data)
        case .resetMethod(let address): try storeResetMethod(address, data)
        case .noIOMMUMode:
            guard let flag = KernelText.parseBool(KernelText.cString(data)) else { throw KernelErrno(EINVAL) }
            noIOMMUEnabled = flag
        case .accept: break
        case .unsupported: throw KernelErrno(EOPNOTSUPP)
        }
    }

    /// `driver_set_override`: >= PAGE_SIZE-1 bytes EINVAL; NUL ends the string; "" or "\n" clears;
    /// otherwise the text up to the first newline.
    mutating func storeDriverOverride(_ address: PCIAddress, _ data: [UInt8]) throws(KernelErrno) {
        guard devices[address] != nil else { throw KernelErrno(ENODEV) }
        if data.count >= KernelText.pageSize - 1 { throw KernelErrno(EINVAL) }
        var text = KernelText.cString(data)
        if let newline = text.firstIndex(of: UInt8(ascii: "\n")) { text = Array(text[..<newline]) }
        devices[address]?.spec.driverOverride = text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
    }

    /// `bind_store`: unknown device or no match ENODEV; bound EBUSY; probe errors as they are.
    mutating func storeBind(_ name: DriverName, _ data: [UInt8]) throws(KernelErrno) {
        guard let index = driverIndex(name), let address = findDevice(KernelText.cString(data)),
            let device = devices[address], matches(drivers[index], device)
        else { throw KernelErrno(ENODEV) }
        if device.spec.driver != nil { throw KernelErrno(EBUSY) }
        if let errno = probe(address, driverAt: index) { throw KernelErrno(errno) }
    }

    /// `unbind_store`: ENODEV unless the named device is bound to this very driver.
    mutating func storeUnbind(_ name: DriverName, _ data: [UInt8]) throws(KernelErrno) {
        guard let address = findDevice(KernelText.cString(data)), devices[address]?.spec.driver == name else {
            throw KernelErrno(ENODEV)
        }
        try release(address)
    }

    /// `drivers_probe_store`: ENODEV for an unknown device, success otherwise, whatever happened.
    mutating func storeDriversProbe(_ data: [UInt8]) throws(KernelErrno) {
        guard let address = findDevice(KernelText.cString(data)) else { throw KernelErrno(ENODEV) }
        attach(address)
    }

    /// `new_id_store`: "VVVV DDDD [SV SD CLASS MASK DATA]". Fewer than 2 fields EINVAL; an id the driver
    /// already matches EEXIST (checked unless all 7 fields are given); then the id is added and the
    /// driver is offered every unbound device.
    mutating func storeNewID(_ name: DriverName, _ data: [UInt8]) throws(KernelErrno) {
        guard let index = driverIndex(name) else { throw KernelErrno(ENODEV) }
        let fields = KernelText.scanHex(KernelText.cString(data), count: 7)
        guard fields.count >= 2 else { throw KernelErrno(EINVAL) }
        func field(_ i: Int, _ fallback: UInt32) -> UInt32 {
            i < fields.count ? UInt32(truncatingIfNeeded: fields[i]) : fallback
        }
        let any = KernelSimulator.IDEntry.any
        let entry = KernelSimulator.IDEntry(
            vendor: field(0, 0), device: field(1, 0), subvendor: field(2, any),
            subdevice: field(3, any), classCode: field(4, 0), classMask: field(5, 0))
        if fields.count != 7 {
            // A scratch pci_dev with these ids (u16 fields; class as given), no driver_override.
            let driver = drivers[index]
            let probe = (
                vendor: entry.vendor & 0xFFFF, device: entry.device & 0xFFFF, subvendor: entry.subvendor & 0xFFFF,
                subdevice: entry.subdevice & 0xFFFF, classCode: entry.classCode
            )
            let known = driver.dynamicIDs + driver.spec.ids.filter { !$0.overrideOnly }
            if known.contains(where: {
                $0.matches(
                    vendor: probe.vendor, device: probe.device, subvendor: probe.subvendor,
                    subdevice: probe.subdevice, classCode: probe.classCode)
            }) {
                throw KernelErrno(EEXIST)
            }
        } else if fields[6] != 0 && !drivers[index].spec.ids.isEmpty {
            // driver_data must equal one of the table's (all 0 here).
            throw KernelErrno(EINVAL)
        }
        drivers[index].dynamicIDs.append(entry)
        attachAll(driverAt: index)
    }

    /// `remove_id_store`: removes the first dynamic id matching; ENODEV when none; never unbinds.
    mutating func storeRemoveID(_ name: DriverName, _ data: [UInt8]) throws(KernelErrno) {
        guard let index = driverIndex(name) else { throw KernelErrno(ENODEV) }
        let fields = KernelText.scanHex(KernelText.cString(data), count: 6)
        guard fields.count >= 2 else { throw KernelErrno(EINVAL) }
        func field(_ i: Int, _ fallback: UInt32) -> UInt32 {
            i < fields.count ? UInt32(truncatingIfNeeded: fields[i]) : fallback
        }
        let (vendor, device) = (field(0, 0), field(1, 0))
        let (subvendor, subdevice) = (field(2, KernelSimulator.IDEntry.any), field(3, KernelSimulator.IDEntry.any))
        let (classCode, classMask) = (field(4, 0), field(5, 0))
        guard
            let at = drivers[index].dynamicIDs.firstIndex(where: { id in
                id.vendor == vendor && id.device == device
                    && (subvendor == KernelSimulator.IDEntry.any || id.subvendor == subvendor)
                    && (subdevice == KernelSimulator.IDEntry.any || id.subdevice == subdevice)
                    && (id.classCode ^ classCode) & classMask == 0
            })
        else { throw KernelErrno(ENODEV) }
        drivers[index].dynamicIDs.remove(at: at)
    }

    /// `sriov_numvfs_store`, in the kernel's order of checks.
    mutating func storeNumVFs(_ pf: PCIAddress, _ data: [UInt8]) throws(KernelErrno) {
        guard let device = devices[pf], let capability = device.spec.sriov else { throw KernelErrno(ENODEV) }
        guard let value = KernelText.parseUnsigned(KernelText.cString(data)), value <= UInt64(UInt16.max) else {
            throw KernelErrno(EINVAL)
        }
        let count = Int(value)
        if count > capability.totalVFs { throw KernelErrno(ERANGE) }
        if count == device.virtfns.count { return }
        guard let bound = device.spec.driver, let driver = driver(named: bound), driver.spec.supportsSRIOV else {
            throw KernelErrno(Glibc.ENOENT)
        }
        if count == 0 {
            try disableVFs(of: pf)
            return
        }
        if !device.virtfns.isEmpty { throw KernelErrno(EBUSY) }
        enableVFs(of: pf, count: count)
    }

    /// `reset_method_store` (5.15+): "" (a newline) disables every method, "default" restores the
    /// supported list; otherwise space-separated names, each a method the device supports (EINVAL
    /// for an unknown or unsupported one, or one named twice), tried in the order given.
    mutating func storeResetMethod(_ address: PCIAddress, _ data: [UInt8]) throws(KernelErrno) {
        guard let supported = devices[address]?.spec.resetMethods else { throw KernelErrno(ENODEV) }
        let text = String(decoding: KernelText.cString(data), as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        if words == ["default"] {
            devices[address]?.activeResetMethods = supported
            return
        }
        var chosen: [String] = []
        for word in words {
            guard supported.contains(word), !chosen.contains(word) else { throw KernelErrno(EINVAL) }
            chosen.append(word)
        }
        devices[address]?.activeResetMethods = chosen
    }

    mutating func storeAutoprobe(_ pf: PCIAddress, _ data: [UInt8]) throws(KernelErrno) {
        guard devices[pf]?.spec.sriov != nil else { throw KernelErrno(ENODEV) }
        guard let flag = KernelText.parseBool(KernelText.cString(data)) else { throw KernelErrno(EINVAL) }
        devices[pf]?.spec.sriov?.driversAutoprobe = flag
    }
}
