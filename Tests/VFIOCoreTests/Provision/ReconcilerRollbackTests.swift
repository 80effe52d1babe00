import Glibc
import TestSupport
import Testing
@testable import VFIOCore

/// A failed `apply` puts the VF counts back, and the PF's driver autoprobe with them: VFs that sat
/// on their host driver before are re-created with autoprobe on and go back to it.
@Suite struct ReconcilerRollbackTests {
    typealias S = KernelSimulator.Standard

    @Test func aFailedBindPutsVFCountAndAutoprobeBack() throws {
        let f = EngineFixture()
        // As found: 2 VFs on nvme, autoprobe on (the kernel's default).
        try f.sim.write(PCIPaths.sriovNumVFs(S.nvme), "2")
        #expect(f.sim.driversAutoprobe(of: S.nvme) == true)
        #expect(f.sim.virtualFunctions(of: S.nvme).map { f.sim.driver(of: $0)?.rawValue } == ["nvme", "nvme"])

        let state = try DesiredState.parse("""
            [[device]]
            address = "\(S.nvme)"
            vendor = "1b36"
            device = "0010"
            state = "host"
            vfs = 3

            [[device]]
            vfs_of = "\(S.nvme)"
            state = "vfio"
            """, file: "state.toml")
        f.sim.failProbe(driver: DriverName("vfio-pci")!, errno: ENODEV)
        let reconciler = Reconciler(engine: f.engine(),
                                    makePlanner: { () throws(VFIOError) -> DriverPlanner in
                                        do { return try f.planner() } catch { throw VFIOError(.failed, "\(error)") }
                                    },
                                    enumerate: { () throws(VFIOError) in try f.sim.inventory() })
        let report = reconciler.run(state, options: f.options)

        #expect(report.error != nil)
        #expect(report.checks.contains("rolled back \(S.nvme) to 2 VFs with driver autoprobe on"), "\(report.checks)")
        #expect(f.sim.driversAutoprobe(of: S.nvme) == true)
        #expect(f.sim.virtualFunctions(of: S.nvme).map { f.sim.driver(of: $0)?.rawValue } == ["nvme", "nvme"])
        #expect(!f.journalExists)
    }
}
