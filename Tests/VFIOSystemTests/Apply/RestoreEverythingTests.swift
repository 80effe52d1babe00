#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// `persist disable --restore`: every managed device back to its recorded driver, then the PFs
/// whose VFs vfioctl changed back to their recorded VF count.
@Suite struct RestoreEverythingTests {
    typealias S = KernelSimulator.Standard

    @Test func managedDevicesAndVFCountsGoBack() throws {
        let fixture = EngineFixture()
        _ = try fixture.bind([S.e1000e, S.edu], driver: "vfio-pci")
        let pf = try #require(try fixture.sim.inventory()[S.nvme])
        let vfs = fixture.engine().setVirtualFunctions(
            pf, count: 2, inventory: try fixture.sim.inventory(), options: fixture.options)
        #expect(vfs.error == nil)
        #expect(fixture.sim.virtualFunctions(of: S.nvme).count == 2)

        let sim = fixture.sim
        let report = try fixture.engine().restoreEverything(inventory: try sim.inventory(), options: fixture.options) {
            () throws(VFIOError) in try sim.inventory()
        }
        #expect(report.error == nil, "\(report.error?.message ?? "")")
        #expect(sim.driver(of: S.e1000e) == DriverName("e1000e"))
        #expect(sim.driver(of: S.edu) == nil)
        #expect(sim.virtualFunctions(of: S.nvme).isEmpty)
        #expect(try fixture.state.readManaged().isEmpty)
    }

    @Test func theVFCountsStayWhenADeviceCannotGoBack() throws {
        let fixture = EngineFixture()
        _ = try fixture.bind([S.e1000e], driver: "vfio-pci")
        let pf = try #require(try fixture.sim.inventory()[S.nvme])
        _ = fixture.engine().setVirtualFunctions(
            pf, count: 2, inventory: try fixture.sim.inventory(), options: fixture.options)
        fixture.sim.failProbe(driver: DriverName("e1000e")!, errno: EIO)

        let sim = fixture.sim
        var rereads = 0
        let report = try fixture.engine().restoreEverything(inventory: try sim.inventory(), options: fixture.options) {
            () throws(VFIOError) in
            rereads += 1
            return try sim.inventory()
        }
        #expect(report.error != nil)
        #expect(rereads == 0)
        #expect(sim.virtualFunctions(of: S.nvme).count == 2)
    }
}
