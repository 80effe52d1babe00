import CUDev
import VFIOCore

/// Enumerates subsystem `pci` through libudev on the live system. libudev gives the device list, the
/// driver and the identity it parsed from `uevent`; the rest (revision, IOMMU group, SR-IOV links) is
/// read from sysfs by the same reader the plain walk uses.
struct UdevEnumerator {
    private let sysfs = LiveSysfs(root: "/sys")
    var hostUse: HostUseScan = .scan
    var pendingWrites = PendingDeviceWrites()

    func enumerate() throws(VFIOError) -> DeviceInventory {
        guard let udev = udev_new() else {
            throw VFIOError(.failed, "libudev could not be initialised", hint: "is /sys mounted?")
        }
        defer { udev_unref(udev) }
        guard let enumeration = udev_enumerate_new(udev) else {
            throw VFIOError(.failed, "libudev could not start an enumeration")
        }
        defer { udev_enumerate_unref(enumeration) }
        udev_enumerate_add_match_subsystem(enumeration, "pci")
        let status = udev_enumerate_scan_devices(enumeration)
        guard status >= 0 else {
            throw VFIOError(
                .notFound, "cannot enumerate PCI devices through libudev: \(errnoName(-status))",
                hint: "is sysfs mounted at /sys?")
        }

        // libudev objects stay on this thread (libudev is not thread-safe); the sysfs reads that
        // follow run concurrently.
        var found: [(address: PCIAddress, path: String, resolved: DeviceReader.Resolved)] = []
        var warnings: [String] = []
        var entry = udev_enumerate_get_list_entry(enumeration)
        while let current = entry {
            defer { entry = udev_list_entry_get_next(current) }
            guard let syspathC = udev_list_entry_get_name(current) else { continue }
            let syspath = String(cString: syspathC)
            guard syspath.hasPrefix("/sys/"), let address = PCIAddress(SysfsPath.lastComponent(syspath)) else {
                warnings.append("ignoring udev device \(syspath): not a PCI address under /sys")
                continue
            }
            // libudev's properties come from `uevent`, whose show function takes the device lock on
            // kernels with the 2024 uevent_show fix (6.1 stable among them) that a pending write
            // holds: such a device is read from its other attributes only.
            if pendingWrites[address] != nil {
                found.append((address, String(syspath.dropFirst(5)), DeviceReader.Resolved()))
                continue
            }
            guard let device = udev_device_new_from_syspath(udev, syspathC) else {
                warnings.append("skipping \(address): libudev cannot open \(syspath)")
                continue
            }
            defer { udev_device_unref(device) }
            found.append((address, String(syspath.dropFirst(5)), Self.resolved(from: device)))
        }
        let reader = DeviceReader(sysfs: sysfs, hostUse: hostUse, pendingWrites: pendingWrites)
        let outcomes = ConcurrentMap.map(found) { reader.read(address: $0.address, at: $0.path, resolved: $0.resolved) }
        var devices: [PCIDevice] = []
        for (outcome, device) in zip(outcomes, found) {
            switch outcome {
            case .device(let record): devices.append(record)
            case .skipped(let reason): warnings.append("skipping \(device.address): \(reason)")
            }
        }
        return DeviceInventory(devices: devices, warnings: warnings)
    }

    /// `PCI_ID=8086:10D3`, `PCI_SUBSYS_ID=8086:0000`, `PCI_CLASS=20000`, `MODALIAS=pci:...` and the driver.
    private static func resolved(from device: OpaquePointer) -> DeviceReader.Resolved {
        func property(_ name: String) -> String? {
            udev_device_get_property_value(device, name).map { String(cString: $0) }
        }
        var resolved = DeviceReader.Resolved()
        if let ids = property("PCI_ID")?.split(separator: ":"), ids.count == 2,
            let subsystem = property("PCI_SUBSYS_ID")?.split(separator: ":"), subsystem.count == 2,
            let vendor = VendorID(ids[0]), let deviceID = DeviceID(ids[1]),
            let subsystemVendor = VendorID(subsystem[0]), let subsystemDevice = DeviceID(subsystem[1]),
            let classCode = property("PCI_CLASS").flatMap(ClassCode.init)
        {
            resolved.identity = (vendor, deviceID, subsystemVendor, subsystemDevice, classCode)
        }
        resolved.modalias = property("MODALIAS").flatMap(Modalias.init)
        resolved.driver = .some(udev_device_get_driver(device).flatMap { DriverName(String(cString: $0)) })
        return resolved
    }
}
