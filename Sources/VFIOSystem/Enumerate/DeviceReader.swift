#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Reads one device directory into a `PCIDevice`. Both enumeration paths (libudev and the plain
/// sysfs walk) end here, which is what keeps their records identical.
struct DeviceReader: Sendable {
    let sysfs: any SysfsAccess
    /// Whether to look for network interfaces, block devices and display nodes (see `HostUseScan`).
    var hostUse: HostUseScan = .scan
    /// Whether to read `numa_node`, which only listings show (writing commands leave it out: one
    /// sysfs read per device they move).
    var readsNUMANode = true
    /// Whether to read `revision`, which only rules and listings look at (nil when not read).
    var readsRevision = true
    /// Whether to read a VF's `physfn` link, which only rules and listings look at.
    var readsPhysfn = true
    /// Where the ids and class come from when libudev has not given them.
    var identitySource = IdentitySource.uevent
    /// Devices with a write still blocked in the kernel (`PendingDeviceWrites`): the attributes
    /// whose read takes the device's lock are not read for them.
    var pendingWrites = PendingDeviceWrites()

    enum IdentitySource {
        /// `uevent`: ids, class, modalias and the driver in one read, for reading every device
        /// (most of them bound, so no `driver` link is read).
        case uevent
        /// `modalias` (which spells out the ids and class) and the `driver` link: for an unbound
        /// device (what bulk binds read), because reading `uevent` has the kernel build the
        /// device's whole event environment, which a bind of many VFs would pay once per VF.
        /// Falls back to `uevent` without a modalias.
        case modalias
    }

    /// Values libudev has already resolved for this device, so they are not read twice.
    struct Resolved: Sendable {
        var identity: PCIIdsAndClass?
        var modalias: Modalias?
        var driver: DriverName??
    }

    enum Outcome {
        case device(PCIDevice)
        case skipped(reason: String)
    }

    /// Where a device's directory was opened from.
    enum Location {
        /// Its real directory, `devices/pci0000:00/...`: links resolve lexically from it, and its
        /// second-to-last component is the upstream bridge.
        case canonical(String)
        /// `bus/pci/devices/ADDRESS`, the kernel's link to it (which a live tree holds open for the
        /// writes that follow). Resolving that link costs a readlink per device, so links are only
        /// named (their last component; none is followed) and the upstream bridge is not known (nil).
        /// Its path is made only for a message or a host-use scan.
        case busLink(PCIAddress)

        var path: String {
            switch self {
            case .canonical(let path): path
            case .busLink(let address): PCIPaths.device(address)
            }
        }
    }

    /// `path` is the device's canonical directory.
    func read(address: PCIAddress, at path: String, resolved: Resolved = Resolved()) -> Outcome {
        let directory: any SysfsDirectory
        do {
            directory = try sysfs.openDirectory(path)
        } catch {
            return .skipped(reason: Self.cannotOpen(error))
        }
        return read(address: address, directory: directory, at: .canonical(path), resolved: resolved)
    }

    static func cannotOpen(_ error: SysfsError) -> String {
        if error.errno == EXDEV { return "\(error.path) leads outside the sysfs root" }
        return "cannot open \(error.path): \(errnoName(error.errno))"
    }

    /// The same for a directory the caller opened at `location`.
    func read(
        address: PCIAddress, directory: any SysfsDirectory, at location: Location, resolved: Resolved = Resolved()
    ) -> Outcome {
        // Attributes are probed by name (a missing one is ENOENT) rather than found by listing the
        // directory: listing every device directory was the largest cost of enumeration.
        // Through the bus link, links are only named: no path is needed to resolve them.
        let canonicalPath: String? = if case .canonical(let path) = location { path } else { nil }
        var attributes = AttributeReader(directory: directory, resolvingLinksFrom: canonicalPath)
        // `uevent` carries the ids, class, modalias and driver in one read (what libudev parses too),
        // instead of six separate attributes.
        // Whatever uevent lacks is read from the attributes and links themselves.
        var resolved = resolved
        var modaliasRead: Modalias?? = nil  // .some once read, so it is not read twice
        // uevent_show takes the device lock on some kernels (see `PendingDeviceWrites`).
        let pendingWrite = pendingWrites[address]
        if resolved.identity == nil, identitySource == .modalias || pendingWrite != nil {
            modaliasRead = .some(attributes.value("modalias", Modalias.init))
            if let modalias = modaliasRead ?? nil, let identity = modalias.pciIdentity {
                resolved.identity = identity
                resolved.modalias = resolved.modalias ?? modalias
            }
        }
        if resolved.identity == nil, pendingWrite == nil, let uevent = attributes.value("uevent", UEvent.init) {
            resolved.identity = uevent.identity
            resolved.modalias = resolved.modalias ?? uevent.modalias
            if resolved.driver == nil, let driver = uevent.driver { resolved.driver = .some(driver) }
        }

        let identity: PCIIdentity
        if let known = resolved.identity {
            identity = PCIIdentity(
                vendor: known.vendor, device: known.device, subsystemVendor: known.subsystemVendor,
                subsystemDevice: known.subsystemDevice, classCode: known.classCode,
                revision: attributes.revision(if: readsRevision))
        } else {
            guard let vendor = attributes.value("vendor", VendorID.init),
                let device = attributes.value("device", DeviceID.init),
                let classCode = attributes.value("class", ClassCode.init)
            else {
                return .skipped(
                    reason: "cannot read its vendor, device or class from \(sysfs.displayPath(location.path))")
            }
            identity = PCIIdentity(
                vendor: vendor, device: device,
                subsystemVendor: attributes.value("subsystem_vendor", VendorID.init) ?? VendorID(0),
                subsystemDevice: attributes.value("subsystem_device", DeviceID.init) ?? DeviceID(0),
                classCode: classCode,
                revision: attributes.revision(if: readsRevision))
        }

        var device = PCIDevice(
            address: address, identity: identity,
            modalias: resolved.modalias ?? modaliasRead ?? attributes.value("modalias", Modalias.init))
        // Known (bound or not), or nil when the link exists but cannot be read.
        let driver: DriverName?? = resolved.driver ?? Self.knownDriver(attributes.link("driver"))
        device.driver = driver ?? nil
        // driver_override_show and sriov_numvfs_show take the device's lock, which a blocked
        // write holds until the device's user lets go: a read-only command would wait that long.
        device.pendingWrite = pendingWrite
        if pendingWrite == nil {
            device.driverOverride = attributes.value("driver_override", Self.parseOverride) ?? nil
        }
        device.iommuGroup = attributes.linkName("iommu_group").flatMap(IOMMUGroup.init)
        if readsNUMANode {
            device.numaNode = attributes.value("numa_node") { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        }
        if identity.classCode.mayBeBootVGA {
            device.bootVGA = attributes.value("boot_vga") { $0 == "1" } ?? false
        }
        if let canonicalPath { device.parent = Self.parentAddress(of: canonicalPath) }
        if readsPhysfn { device.sriov = SRIOVState(physfn: attributes.linkName("physfn").flatMap(PCIAddress.init)) }
        // Only a PF has sriov_totalvfs; the other SR-IOV attributes and virtfnN links come with it.
        // A VF cannot have the SR-IOV capability itself, so it is not asked (when known to be one).
        if device.sriov.physfn == nil, let total = attributes.value("sriov_totalvfs", { Int($0) }) {
            device.sriov.totalVFs = total
            if pendingWrite == nil { device.sriov.numVFs = attributes.value("sriov_numvfs") { Int($0) } }
            device.sriov.driversAutoprobe = attributes.value("sriov_drivers_autoprobe") { $0 == "1" }
            device.sriov.virtfns = Self.virtualFunctions(attributes: &attributes)
        }
        device.hostUseRead = hostUse == .scan
        if hostUse == .scan, Self.mayHaveHostUse(driver: driver) {
            // A device whose host use cannot be looked at is skipped, as before probing: an empty
            // host use would let safety checks pass that must not.
            do {
                device.hostUse = HostUseScanner(sysfs: sysfs).scan(
                    deviceDirectory: location.path, entries: EntryKinds(try directory.entries()))
            } catch {
                return .skipped(reason: "cannot list \(error.path): \(errnoName(error.errno))")
            }
        }
        device.unreadable = attributes.unreadable
        return .device(device)
    }

    /// No `driver` link: unbound. A link that cannot be read: unknown (nil).
    private static func knownDriver(_ link: String??) -> DriverName?? {
        switch link {
        case .none: .some(nil)
        case .some(.none): nil
        case .some(.some(let name)): DriverName(name).map { .some($0) }
        }
    }

    /// Network interfaces, block devices and display nodes exist only below a device a host driver
    /// has bound: an unbound device, or one held by a VFIO driver, pci-stub or the PCIe port driver
    /// (the drivers a VFIO group tolerates, recognised by name), has none, and its directory need
    /// not be listed. An unknown driver (unreadable link) is scanned.
    static func mayHaveHostUse(driver: DriverName??) -> Bool {
        guard let known = driver else { return true }
        guard let driver = known else { return false }
        return !VFIODriverSet(loaded: []).isHarmlessForVFIO(driver)
    }

    /// Unset reads as `(null)` on older kernels and as an empty line on newer ones.
    static func parseOverride(_ text: String) -> DriverName?? {
        if text == "(null)" || text.isEmpty { return .some(nil) }
        return DriverName(text).map { .some($0) }
    }

    /// `devices/pci0000:00/0000:00:1c.0/0000:01:00.0` -> 0000:00:1c.0; a device on a root bus has none.
    static func parentAddress(of canonicalPath: String) -> PCIAddress? {
        let components = canonicalPath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard components.count >= 2 else { return nil }
        return PCIAddress(Substring(components[components.count - 2]))
    }

    /// `virtfn0`, `virtfn1`, ... up to the first index that does not exist (the kernel numbers them
    /// without gaps).
    private static func virtualFunctions(attributes: inout AttributeReader) -> [PCIAddress] {
        var functions: [PCIAddress] = []
        var index = 0
        while let target = attributes.link("virtfn\(index)") {
            if let address = target.flatMap(PCIAddress.init) { functions.append(address) }
            index += 1
        }
        return functions
    }
}

/// Whether enumeration looks for what the host uses each device for. Listing device directories
/// is most of enumeration's cost, and `list`, `plan`, `groups` and `status` print nothing it finds.
public enum HostUseScan: Sendable {
    case scan
    case skip
}

/// Reads the attributes of one directory, recording the ones that exist but cannot be read.
struct AttributeReader {
    let directory: any SysfsDirectory
    /// The directory's canonical path relative to the sysfs root, for resolving link targets; nil
    /// when it was opened through a link (`bus/pci/devices/ADDRESS`), from which a relative target
    /// cannot be resolved: only a target's last component is taken then.
    let path: String?
    var unreadable: [String] = []

    init(directory: any SysfsDirectory, resolvingLinksFrom path: String?) {
        self.directory = directory
        self.path = path
    }

    /// nil when the attribute does not exist; an entry that exists but cannot be read or parsed (a
    /// directory, a link, an unreadable file) is recorded in `unreadable`.
    mutating func value<T>(_ name: String, _ parse: (String) -> T?) -> T? {
        do {
            let text = try directory.read(name)
            guard let value = parse(text) else {
                unreadable.append(name)
                return nil
            }
            return value
        } catch {
            if !error.isMissing { unreadable.append(name) }
            return nil
        }
    }

    /// `revision` (0 when absent), or nil without reading it when `reads` is false.
    mutating func revision(if reads: Bool) -> Revision? {
        reads ? value("revision", Revision.init) ?? Revision(0) : nil
    }

    /// The last component of a link's target, when the target stays inside the sysfs root.
    mutating func linkName(_ name: String) -> String? {
        link(name) ?? nil
    }

    /// nil when there is no such entry; .some(nil) when it exists but is not a readable link
    /// inside the root (recorded in `unreadable`); otherwise the target's last component.
    mutating func link(_ name: String) -> String?? {
        do {
            let target = try directory.readLink(name)
            let last =
                if let path { SysfsPath.resolvedLastComponent(target: target, from: path) } else {
                    SysfsPath.namedLastComponent(target)
                }
            guard let last else {
                unreadable.append(name)
                return .some(nil)
            }
            return .some(String(last))
        } catch {
            if error.isMissing { return nil }
            unreadable.append(name)
            return .some(nil)
        }
    }
}

/// The PCI lines of a device's `uevent` (`DRIVER=e1000e`, `PCI_CLASS=20000`, `PCI_ID=8086:10D3`,
/// `PCI_SUBSYS_ID=8086:0000`, `MODALIAS=pci:...`), split at `\n` and the first `=` of each line.
struct UEvent {
    var identity: PCIIdsAndClass?
    var modalias: Modalias?
    var driver: DriverName?

    init?(_ text: String) {
        var ids: (UInt16, UInt16)?
        var subsystem: (UInt16, UInt16)?
        var classCode: ClassCode?
        var modalias: Modalias?
        var driver: DriverName?
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let value = Substring(line[line.index(after: equals)...])
            switch Substring(line[..<equals]) {
            case "PCI_ID": ids = Self.idPair(value)
            case "PCI_SUBSYS_ID": subsystem = Self.idPair(value)
            case "PCI_CLASS": classCode = Self.hexNumber(value, maxDigits: 6).flatMap { ClassCode($0) }
            case "MODALIAS": modalias = Modalias(String(value))
            case "DRIVER": driver = DriverName(String(value))
            default: continue
            }
        }
        if let ids, let subsystem, let classCode {
            identity = (VendorID(ids.0), DeviceID(ids.1), VendorID(subsystem.0), DeviceID(subsystem.1), classCode)
        }
        self.modalias = modalias
        self.driver = driver
    }

    /// `8086:10D3` -> (0x8086, 0x10d3); nil unless exactly two hex numbers of 1-4 digits.
    private static func idPair(_ text: Substring) -> (UInt16, UInt16)? {
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let first = hexNumber(Substring(parts[0]), maxDigits: 4),
            let second = hexNumber(Substring(parts[1]), maxDigits: 4)
        else { return nil }
        return (UInt16(first), UInt16(second))
    }

    /// Plain hex digits (no `0x`), 1 to `maxDigits` of them, as the kernel writes ids in `uevent`.
    private static func hexNumber(_ text: Substring, maxDigits: Int) -> UInt32? {
        guard (1...maxDigits).contains(text.utf8.count), text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(text, radix: 16)
    }
}

/// A directory's entries by name. A linear scan: a device directory has about 35 entries and is
/// asked about a dozen names, which is cheaper than hashing every name into a dictionary.
struct EntryKinds {
    let entries: [SysfsEntry]
    init(_ entries: [SysfsEntry]) { self.entries = entries }
    subscript(name: String) -> SysfsEntry.Kind? { entries.first { $0.name == name }?.kind }
    var names: [String] { entries.map(\.name) }
    func directories() -> [String] { entries.filter { $0.kind == .directory }.map(\.name) }
}
