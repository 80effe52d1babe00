/// Reads one device directory into a `PCIDevice`. Both enumeration paths (libudev and the plain
/// sysfs walk) end here, which is what keeps their records identical.
struct DeviceReader {
    let sysfs: any SysfsAccess

    /// Values libudev has already resolved for this device, so they are not read twice.
    struct Resolved {
        var identity: (vendor: VendorID, device: DeviceID, subsystemVendor: VendorID, subsystemDevice: DeviceID,
                       classCode: ClassCode)?
        var modalias: Modalias?
        var driver: DriverName??
    }

    enum Outcome {
        case device(PCIDevice)
        case skipped(reason: String)
    }

    func read(address: PCIAddress, at path: String, resolved: Resolved = Resolved()) -> Outcome {
        let directory: any SysfsDirectory
        do {
            directory = try sysfs.openDirectory(path)
        } catch {
            return .skipped(reason: "cannot list \(error.path): \(errnoName(error.errno))")
        }
        let entries = EntryKinds(directory.entries)
        var attributes = AttributeReader(directory: directory, path: path, entries: entries)
        // `uevent` carries the ids, class, modalias and driver in one read (what libudev parses too),
        // instead of six separate attributes.
        // Whatever uevent lacks is read from the attributes and links themselves.
        var resolved = resolved
        if resolved.identity == nil, let uevent = attributes.value("uevent", UEvent.init) {
            resolved.identity = uevent.identity
            resolved.modalias = resolved.modalias ?? uevent.modalias
            if resolved.driver == nil, let driver = uevent.driver { resolved.driver = .some(driver) }
        }

        let identity: PCIIdentity
        if let known = resolved.identity {
            identity = PCIIdentity(vendor: known.vendor, device: known.device, subsystemVendor: known.subsystemVendor,
                                   subsystemDevice: known.subsystemDevice, classCode: known.classCode,
                                   revision: attributes.value("revision", Revision.init) ?? Revision(0))
        } else {
            guard let vendor = attributes.value("vendor", VendorID.init),
                  let device = attributes.value("device", DeviceID.init),
                  let classCode = attributes.value("class", ClassCode.init)
            else {
                return .skipped(reason: "cannot read its vendor, device or class from \(sysfs.displayPath(path))")
            }
            identity = PCIIdentity(
                vendor: vendor, device: device,
                subsystemVendor: attributes.value("subsystem_vendor", VendorID.init) ?? VendorID(0),
                subsystemDevice: attributes.value("subsystem_device", DeviceID.init) ?? DeviceID(0),
                classCode: classCode,
                revision: attributes.value("revision", Revision.init) ?? Revision(0))
        }

        var device = PCIDevice(address: address, identity: identity)
        device.modalias = resolved.modalias ?? attributes.value("modalias", Modalias.init) ?? identity.modalias
        device.driver = resolved.driver ?? attributes.linkName("driver").flatMap(DriverName.init)
        device.driverOverride = attributes.value("driver_override", Self.parseOverride) ?? nil
        device.iommuGroup = attributes.linkName("iommu_group").flatMap(IOMMUGroup.init)
        device.numaNode = attributes.value("numa_node") { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        device.bootVGA = attributes.value("boot_vga") { $0 == "1" } ?? false
        device.parent = Self.parentAddress(of: path)
        device.sriov = SRIOVState(
            physfn: attributes.linkName("physfn").flatMap(PCIAddress.init),
            virtfns: Self.virtualFunctions(entries: entries, attributes: &attributes),
            numVFs: attributes.value("sriov_numvfs") { Int($0) },
            totalVFs: attributes.value("sriov_totalvfs") { Int($0) },
            driversAutoprobe: attributes.value("sriov_drivers_autoprobe") { $0 == "1" })
        device.hostUse = HostUseScanner(sysfs: sysfs).scan(deviceDirectory: path, entries: entries)
        device.unreadable = attributes.unreadable
        return .device(device)
    }

    /// Unset reads as `(null)` on older kernels and as an empty line on newer ones.
    static func parseOverride(_ text: String) -> DriverName?? {
        if text == "(null)" || text.isEmpty { return .some(nil) }
        return DriverName(text).map { .some($0) }
    }

    /// `devices/pci0000:00/0000:00:1c.0/0000:01:00.0` -> 0000:00:1c.0; a device on a root bus has none.
    static func parentAddress(of canonicalPath: String) -> PCIAddress? {
        let bytes = canonicalPath.utf8
        guard let last = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let head = bytes[..<last]
        let start = head.lastIndex(of: UInt8(ascii: "/")).map { bytes.index(after: $0) } ?? bytes.startIndex
        return PCIAddress(Substring(bytes[start..<last]))
    }

    /// `virtfn0`, `virtfn1`, ... in numeric order (lexical order would put virtfn10 before virtfn2).
    private static func virtualFunctions(entries: EntryKinds,
                                         attributes: inout AttributeReader) -> [PCIAddress] {
        entries.names
            .compactMap { name -> (Int, String)? in
                guard name.hasPrefix("virtfn"), let index = Int(name.dropFirst(6)) else { return nil }
                return (index, name)
            }
            .sorted { $0.0 < $1.0 }
            .compactMap { attributes.linkName($0.1).flatMap(PCIAddress.init) }
    }
}

/// Reads the attributes of one directory, recording the ones that exist but cannot be read.
struct AttributeReader {
    let directory: any SysfsDirectory
    /// The directory's path relative to the sysfs root, for resolving link targets.
    let path: String
    let entries: EntryKinds
    private(set) var unreadable: [String] = []

    init(directory: any SysfsDirectory, path: String, entries: EntryKinds) {
        self.directory = directory
        self.path = path
        self.entries = entries
    }

    mutating func value<T>(_ name: String, _ parse: (String) -> T?) -> T? {
        guard let kind = entries[name] else { return nil }
        // An entry of the attribute's name that is not a file (a directory, a link) exists but cannot be read.
        guard kind == .file else {
            unreadable.append(name)
            return nil
        }
        do {
            let text = try directory.read(name)
            guard let value = parse(text) else {
                unreadable.append(name)
                return nil
            }
            return value
        } catch {
            unreadable.append(name)
            return nil
        }
    }

    /// The last component of a link's target, when the target stays inside the sysfs root.
    mutating func linkName(_ name: String) -> String? {
        guard let kind = entries[name] else { return nil }
        guard kind == .symlink else {
            unreadable.append(name)
            return nil
        }
        do {
            let target = try directory.readLink(name)
            guard let resolved = SysfsPath.resolve(target: target, from: path) else {
                unreadable.append(name)
                return nil
            }
            return String(SysfsPath.lastComponent(resolved))
        } catch {
            unreadable.append(name)
            return nil
        }
    }
}

/// The PCI lines of a device's `uevent` (`DRIVER=e1000e`, `PCI_CLASS=20000`, `PCI_ID=8086:10D3`,
/// `PCI_SUBSYS_ID=8086:0000`, `MODALIAS=pci:...`).
struct UEvent {
    var identity: (vendor: VendorID, device: DeviceID, subsystemVendor: VendorID, subsystemDevice: DeviceID, classCode: ClassCode)?
    var modalias: Modalias?
    var driver: DriverName?

    init?(_ text: String) {
        var fields: [String: Substring] = [:]
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(Substring(line[..<equals]))
            guard key == "PCI_ID" || key == "PCI_SUBSYS_ID" || key == "PCI_CLASS" || key == "MODALIAS" || key == "DRIVER" else { continue }
            fields[key] = Substring(line[line.index(after: equals)...])
        }
        if let ids = fields["PCI_ID"]?.split(separator: ":"), ids.count == 2,
           let subsystem = fields["PCI_SUBSYS_ID"]?.split(separator: ":"), subsystem.count == 2,
           let vendor = VendorID(ids[0]), let device = DeviceID(ids[1]),
           let subsystemVendor = VendorID(subsystem[0]), let subsystemDevice = DeviceID(subsystem[1]),
           let classCode = fields["PCI_CLASS"].flatMap({ ClassCode($0) }) {
            identity = (vendor, device, subsystemVendor, subsystemDevice, classCode)
        }
        modalias = fields["MODALIAS"].flatMap { Modalias(String($0)) }
        driver = fields["DRIVER"].flatMap { DriverName($0) }
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
