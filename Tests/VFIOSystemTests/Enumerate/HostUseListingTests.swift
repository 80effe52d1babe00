import Glibc
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// The reader lists a device directory (to find net/, block, drm, ...) only when a host driver could
/// have created such nodes. Each tree here plants a `net/` directory so the test shows which devices
/// are scanned; on a real kernel an unbound or VFIO-held device has none.
@Suite struct HostUseListingTests {
    let nic = Fake.address("0000:09:00.0")

    private func tree(driver: String?) -> FakeSysfs {
        FakeScenario.rootPort.tree.updating(nic) { device in
            let bound = driver.map { device.driver($0) } ?? device.driver(nil)
            return bound.network("eth9", operstate: "up")
        }
    }

    @Test(arguments: [nil, "vfio-pci", "pci-stub", "mlx5_vfio_pci", "xe-vfio-pci"] as [String?])
    func devicesNoHostDriverHoldsAreNotScanned(_ driver: String?) throws {
        let record = try #require(try inventory(of: tree(driver: driver))[nic])
        #expect(record.hostUse.isEmpty)
        #expect(record.unreadable.isEmpty)
    }

    @Test func aDeviceOnAHostDriverIsScanned() throws {
        let record = try #require(try inventory(of: tree(driver: "e1000e"))[nic])
        #expect(record.hostUse.networkInterfaces.map(\.name).contains("eth9"))
    }

    /// When neither uevent nor the link says which driver holds the device, it is scanned: missing
    /// an interface would let a safety check pass that should refuse.
    @Test func aDeviceWithAnUnknownDriverIsScanned() throws {
        let record = try #require(
            try inventory(of: tree(driver: "e1000e").adding(.unreadableAttribute(nic, attribute: "driver")))[nic])
        #expect(record.driver == nil && record.unreadable == ["driver"])
        #expect(record.hostUse.networkInterfaces.map(\.name).contains("eth9"))
    }

    /// `list`, `plan` and `groups` skip the scan: every other field is the same, and the records
    /// say their host use was not read (700 devices: read concurrently).
    @Test func skippingTheScanChangesNothingElse() throws {
        let tree = FakeSysfs.makeLargeTree(count: 700)
        let (full, skipped) = try tree.withRoot { root in
            (
                try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true).enumerate(),
                try SysfsWalkEnumerator(sysfs: LiveSysfs(root: root), userGivenRoot: true, hostUse: .skip).enumerate()
            )
        }
        #expect(full.devices.contains { !$0.hostUse.isEmpty })
        #expect(skipped.devices.allSatisfy { !$0.hostUseRead && $0.hostUse.isEmpty })
        let unscanned = full.devices.map { device in
            var copy = device
            copy.hostUse = HostUse()
            copy.hostUseRead = false
            return copy
        }
        expectSameDevices(skipped.devices, unscanned)
    }

    /// A device whose directory cannot be listed has an unknown host use: it is skipped with a
    /// warning rather than read as using nothing (which a safety check would believe). Without the
    /// scan nothing needs listing and it reads normally.
    @Test func aDeviceThatCannotBeListedIsSkippedNotReadAsUnused() throws {
        let (scanned, skipped) = try tree(driver: "e1000e").withRoot { root in
            let sysfs = UnlistableDevice(base: LiveSysfs(root: root), device: nic.description)
            return (
                try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true).enumerate(),
                try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true, hostUse: .skip).enumerate()
            )
        }
        #expect(scanned[nic] == nil)
        #expect(
            scanned.warnings.contains { $0.hasPrefix("skipping \(nic): cannot list ") && $0.contains("EACCES") },
            "\(scanned.warnings)")
        #expect(skipped[nic]?.driver == DriverName("e1000e"))
    }
}

/// A tree in which one device's directory opens but cannot be listed (EACCES).
private struct UnlistableDevice: SysfsAccess {
    let base: LiveSysfs
    let device: String

    func read(_ path: String) throws(SysfsError) -> String { try base.read(path) }
    func readLink(_ path: String) throws(SysfsError) -> String { try base.readLink(path) }
    func list(_ path: String) throws(SysfsError) -> [SysfsEntry] { try base.list(path) }
    func write(_ path: String, _ value: String) throws(SysfsError) { try base.write(path, value) }
    func displayPath(_ path: String) -> String { base.displayPath(path) }
    func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory {
        let directory = try base.openDirectory(path)
        return path.hasSuffix("/" + device) ? Unlistable(inner: directory, path: path) : directory
    }

    struct Unlistable: SysfsDirectory {
        let inner: any SysfsDirectory
        let path: String
        func entries() throws(SysfsError) -> [SysfsEntry] { throw SysfsError(.list, path, errno: EACCES) }
        func read(_ name: String) throws(SysfsError) -> String { try inner.read(name) }
        func readLink(_ name: String) throws(SysfsError) -> String { try inner.readLink(name) }
    }
}
