#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// A device removed and rescanned comes back on its host driver with no override: its record no
/// longer describes anything. `status` does not list it, and `unbind` drops it while saying where
/// the device is.
@Suite struct StaleRecordTests {
    typealias S = KernelSimulator.Standard

    /// What the kernel leaves after `echo 1 > remove; echo 1 > /sys/bus/pci/rescan`: a new device
    /// (override unset) probed by its host driver.
    func removeAndRescan(_ f: EngineFixture, _ address: PCIAddress, from driver: String) throws {
        try f.sim.write(PCIPaths.override(address), "\n")
        try f.sim.write(PCIPaths.unbind(DriverName(driver)!), address.description)
        try f.sim.write(PCIPaths.driversProbe, address.description)
    }

    @Test func aRescannedDeviceIsNoLongerManaged() throws {
        let f = EngineFixture()
        #expect(try f.bind([S.e1000e], driver: "vfio-pci").error == nil)
        try removeAndRescan(f, S.e1000e, from: "vfio-pci")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")

        let entries = try ManagedStatus.read(store: f.state, inventory: try f.sim.inventory()).get()
        #expect(entries.isEmpty, "\(entries.map { "\($0.record.address) \($0.state)" })")

        let writes = f.sim.writeCount
        let unbind = try f.unbind([S.e1000e])
        #expect(unbind.error == nil)
        #expect(unbind.devices.first?.status == .unchanged)
        #expect(unbind.devices.first?.message?.contains("no longer managed") == true)
        #expect(f.sim.writeCount == writes)
        #expect(try f.state.readManaged().isEmpty, "the record is dropped")
    }

    /// A device someone moved elsewhere is still drifted, and unbind takes it back.
    @Test func aDeviceOnAThirdDriverIsDrifted() throws {
        let f = EngineFixture()
        #expect(try f.bind([S.e1000e], driver: "vfio-pci").error == nil)
        try f.sim.loadModule("pci_stub")
        try f.sim.write(PCIPaths.override(S.e1000e), "pci-stub")
        try f.sim.write(PCIPaths.unbind(DriverName.vfioPCI), S.e1000e.description)
        try f.sim.write(PCIPaths.bind(DriverName.pciStub), S.e1000e.description)
        let entries = try ManagedStatus.read(store: f.state, inventory: try f.sim.inventory()).get()
        #expect(entries.map(\.state) == ["drifted"])
        #expect(try f.unbind([S.e1000e]).error == nil)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(try f.state.readManaged().isEmpty)
    }

    /// Under the caller's lock (as the CLI runs it), unbind updates the records it read for its
    /// checks instead of reading them again: the other device's record stays as it was.
    @Test func anUnbindUnderTheCallersLockKeepsTheOtherRecords() throws {
        let f = EngineFixture()
        #expect(try f.bind([S.e1000e, S.virtioNet], driver: "vfio-pci").error == nil)
        let before = try f.state.readManaged()
        #expect(before.map(\.address) == [S.e1000e, S.virtioNet])

        var engine = f.engine()
        try engine.lockBeforeReading(options: f.options)
        let device = try #require(try f.sim.inventory()[S.e1000e])
        let unbind = engine.unbind([BindEngine.ReleaseRequest(device: device, hostModules: [])], options: f.options)
        #expect(unbind.error == nil)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(try f.state.readManaged() == before.filter { $0.address == S.virtioNet })
    }

    /// Other hardware at a recorded address: unbind ignores the record, and drops it.
    @Test func aRecordOfReplacedHardwareIsDroppedByUnbind() throws {
        let f = EngineFixture()
        try f.state.writeManaged([
            ManagedDevice(
                address: S.e1000e, vendor: VendorID(0x10ec), device: DeviceID(0x8139),
                original: DeviceBinding(driver: DriverName("8139cp"), override: nil),
                driver: DriverName.vfioPCI, since: 1)
        ])
        let entries = try ManagedStatus.read(store: f.state, inventory: try f.sim.inventory()).get()
        #expect(entries.map(\.state) == ["replaced"])
        let unbind = try f.unbind([S.e1000e])
        #expect(unbind.error == nil)
        #expect(unbind.checks.contains { $0.contains("ignored the record") })
        #expect(try f.state.readManaged().isEmpty)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
    }
}
