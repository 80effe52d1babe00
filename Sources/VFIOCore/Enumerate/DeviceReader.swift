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
        let entries: [String: SysfsEntry.Kind]
        do {
            entries = Dictionary(try sysfs.list(path).map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
        } catch {
            return .skipped(reason: "cannot list \(error.path): \(errnoName(error.errno))")
        }
        var attributes = AttributeReader(sysfs: sysfs, directory: path, entries: entries)

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
        let components = canonicalPath.split(separator: "/")
        guard components.count >= 2 else { return nil }
        return PCIAddress(components[components.count - 2])
    }

    /// `virtfn0`, `virtfn1`, ... in numeric order (lexical order would put virtfn10 before virtfn2).
    private static func virtualFunctions(entries: [String: SysfsEntry.Kind],
                                         attributes: inout AttributeReader) -> [PCIAddress] {
        entries.keys
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
    let sysfs: any SysfsAccess
    let directory: String
    let entries: [String: SysfsEntry.Kind]
    private(set) var unreadable: [String] = []

    init(sysfs: any SysfsAccess, directory: String, entries: [String: SysfsEntry.Kind]) {
        self.sysfs = sysfs
        self.directory = directory
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
            let text = try sysfs.read(directory + "/" + name)
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
            let target = try sysfs.readLink(directory + "/" + name)
            guard let resolved = SysfsPath.resolve(target: target, from: directory) else {
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
