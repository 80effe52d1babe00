#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// `bind --driver none`: the device loses its driver and keeps none (driver_override pinned to
/// `none`), is recorded like any bind, and `unbind` returns it to its driver.
@Suite struct DriverlessTests {
    typealias S = KernelSimulator.Standard

    @Test func leavesTheDeviceWithoutADriverAndUnbindPutsItBack() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000e], driver: "none")
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(report.devices.first?.status == .changed)
        #expect(report.devices.first?.to == .driverless)
        #expect(f.sim.driver(of: S.e1000e) == nil)
        #expect(f.sim.overrideText(of: S.e1000e) == "none")
        // Kept so: the PCI core's own probe finds no driver named none.
        try f.sim.write("bus/pci/drivers_probe", S.e1000e.description)
        #expect(f.sim.driver(of: S.e1000e) == nil)

        let managed = try f.state.readManaged()
        #expect(managed.map(\.driver) == [.driverless])
        #expect(managed.first?.original == DeviceBinding(driver: DriverName("e1000e"), override: nil))
        let status = try ManagedStatus.read(store: f.state, inventory: try f.sim.inventory()).get()
        #expect(status.map(\.state) == ["bound"])

        let back = try f.unbind([S.e1000e])
        #expect(back.error == nil, "\(back.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
        #expect(try f.state.readManaged().isEmpty)
    }

    @Test func aSecondDriverlessBindWritesNothing() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "none")
        let before = f.sim.writeCount
        let again = try f.bind([S.e1000e], driver: "none")
        #expect(again.error == nil)
        #expect(again.devices.first?.status == .unchanged)
        #expect(f.sim.writeCount == before)
    }

    /// Unbound but not pinned is not driverless: the next probe could bind anything.
    @Test func anUnboundDeviceIsPinned() throws {
        let f = EngineFixture()
        try f.sim.write("bus/pci/drivers/e1000e/unbind", S.e1000e.description)
        #expect(f.sim.driver(of: S.e1000e) == nil)
        let report = try f.bind([S.e1000e], driver: "none")
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(report.devices.first?.status == .changed)
        #expect(f.sim.overrideText(of: S.e1000e) == "none")
    }

    @Test func aFailedUnbindIsRolledBack() throws {
        let f = EngineFixture()
        f.sim.failNextWrite(toPathEndingWith: "/unbind", errno: EIO)
        let report = try f.bind([S.e1000e], driver: "none")
        #expect(report.error != nil)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
        #expect(try f.state.readManaged().isEmpty)
    }

    /// The device's own checks still apply: a bridge keeps its driver (check 'bridge').
    @Test func safetyChecksStillApply() throws {
        let f = EngineFixture()
        let before = f.sim.driver(of: S.rootPorts[0])
        let report = try f.bind([S.rootPorts[0]], driver: "none")
        #expect(report.error?.status == .refused, "\(report.error?.description ?? "nil")")
        #expect(f.sim.driver(of: S.rootPorts[0]) == before)
        #expect(f.sim.writeCount == 0)
    }

    /// A driverless bind killed after both of its writes (override none, unbind) is what `recover`
    /// (and the next writing command) rolls back: the device returns to its driver.
    @Test func anInterruptedDriverlessBindIsRecovered() throws {
        let f = EngineFixture()
        try f.sim.write("bus/pci/devices/\(S.e1000e)/driver_override", "none")
        try f.sim.write("bus/pci/drivers/e1000e/unbind", S.e1000e.description)
        try f.state.writeJournal(
            Journal(
                operation: "bind", pid: 999_999, started: 0,
                entries: [
                    .init(
                        address: S.e1000e, identity: try #require(try f.sim.inventory()[S.e1000e]).identity,
                        original: DeviceBinding(driver: DriverName("e1000e"), override: nil), target: .driverless,
                        moving: true)
                ]))
        let report = f.engine().recover(options: f.options)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
        #expect(!f.journalExists)
    }
}
