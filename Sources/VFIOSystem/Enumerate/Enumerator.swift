#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Where devices come from: the live system (libudev plus /sys), or a sysfs tree read by a plain walk
/// (`--sysfs-root`, tests, containers: libudev cannot be pointed at another root).
public enum DeviceSource: Sendable {
    case live
    case sysfsTree(root: String)

    /// The sysfs root every later read and write uses (the process's one `LiveSysfs` for it, so
    /// the device directories a command reads are the ones its writes go through).
    public var sysfs: any SysfsAccess {
        switch self {
        case .live: LiveSysfs.shared(root: "/sys")
        case .sysfsTree(let root): LiveSysfs.shared(root: root)
        }
    }

    /// `pendingWrites`: devices whose lock a write left blocked in the kernel holds (not read so).
    public func enumerate(
        hostUse: HostUseScan = .scan, pendingWrites: PendingDeviceWrites = PendingDeviceWrites()
    ) throws(VFIOError) -> DeviceInventory {
        switch self {
        case .live: try UdevEnumerator(hostUse: hostUse, pendingWrites: pendingWrites).enumerate()
        case .sysfsTree(let root):
            try SysfsWalkEnumerator(
                sysfs: LiveSysfs(root: root), userGivenRoot: true, hostUse: hostUse, pendingWrites: pendingWrites
            ).enumerate()
        }
    }
}

/// Lists `bus/pci/devices` and reads each device once.
public struct SysfsWalkEnumerator: Sendable {
    let sysfs: any SysfsAccess
    let userGivenRoot: Bool
    let hostUse: HostUseScan
    let pendingWrites: PendingDeviceWrites

    public init(
        sysfs: any SysfsAccess, userGivenRoot: Bool, hostUse: HostUseScan = .scan,
        pendingWrites: PendingDeviceWrites = PendingDeviceWrites()
    ) {
        self.sysfs = sysfs
        self.userGivenRoot = userGivenRoot
        self.hostUse = hostUse
        self.pendingWrites = pendingWrites
    }

    static let devicesDirectory = "bus/pci/devices"

    public func enumerate() throws(VFIOError) -> DeviceInventory {
        let entries: [SysfsEntry]
        do {
            entries = try sysfs.list(Self.devicesDirectory)
        } catch {
            if error.errno == EACCES {
                throw VFIOError(.permissionDenied, "cannot list \(error.path): \(errnoName(error.errno))")
            }
            let root = String(sysfs.displayPath(Self.devicesDirectory).dropLast(Self.devicesDirectory.count + 1))
            throw VFIOError(
                userGivenRoot ? .usage : .notFound,
                "\(root) is not a sysfs tree: cannot list \(error.path): \(errnoName(error.errno))",
                hint: "pass the directory that holds bus/pci/devices, normally /sys")
        }
        let reader = DeviceReader(sysfs: sysfs, hostUse: hostUse, pendingWrites: pendingWrites)
        let outcomes = ConcurrentMap.map(entries) { entry -> (device: PCIDevice?, warnings: [String]) in
            var warnings: [String] = []
            guard let address = PCIAddress(entry.name), address.description == entry.name else {
                warnings.append(
                    "ignoring \(sysfs.displayPath(Self.devicesDirectory + "/" + entry.name)): not a PCI address")
                return (nil, warnings)
            }
            guard let path = canonicalPath(of: entry, warnings: &warnings) else { return (nil, warnings) }
            switch reader.read(address: address, at: path) {
            case .device(let device): return (device, warnings)
            case .skipped(let reason): return (nil, warnings + ["skipping \(address): \(reason)"])
            }
        }
        return DeviceInventory(devices: outcomes.compactMap(\.device), warnings: outcomes.flatMap(\.warnings))
    }

    /// The kernel's entries are links into `devices/`; follow them lexically, never outside the root.
    private func canonicalPath(of entry: SysfsEntry, warnings: inout [String]) -> String? {
        let linkPath = Self.devicesDirectory + "/" + entry.name
        guard entry.kind == .symlink else {
            if entry.kind == .directory { return linkPath }
            warnings.append("skipping \(entry.name): \(sysfs.displayPath(linkPath)) is neither a link nor a directory")
            return nil
        }
        do {
            return try Self.resolvedDeviceLink(entry.name, sysfs: sysfs, warnings: &warnings)
        } catch {
            warnings.append("skipping \(entry.name): \(error)")
            return nil
        }
    }

    /// The target of `bus/pci/devices/NAME`, resolved lexically; nil, with a warning, when it
    /// points outside the root. Errors reading the link are the caller's to judge.
    static func resolvedDeviceLink(
        _ name: String, sysfs: any SysfsAccess, warnings: inout [String]
    ) throws(SysfsError) -> String? {
        let linkPath = devicesDirectory + "/" + name
        let target = try sysfs.readLink(linkPath)
        guard let resolved = SysfsPath.resolve(target: target, from: devicesDirectory) else {
            warnings.append(
                "skipping \(name): \(sysfs.displayPath(linkPath)) points outside the sysfs root (\(target))")
            return nil
        }
        return resolved
    }
}
