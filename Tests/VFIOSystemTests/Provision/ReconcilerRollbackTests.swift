import Glibc
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

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

        let state = try DesiredState.parse(
            """
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
        let reconciler = Reconciler(
            engine: f.engine(),
            makePlanner: { (_: [PCIDevice]) throws(VFIOError) -> DriverPlanner in
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

    func reconciler(_ f: EngineFixture) -> Reconciler {
        Reconciler(
            engine: f.engine(),
            makePlanner: { (_: [PCIDevice]) throws(VFIOError) -> DriverPlanner in
                do { return try f.planner() } catch { throw VFIOError(.failed, "\(error)") }
            },
            enumerate: { () throws(VFIOError) in try f.sim.inventory() })
    }

    func state(vfs: Int, nicToo: Bool) throws -> DesiredState {
        try DesiredState.parse(
            """
            [[device]]
            address = "\(S.nvme)"
            vendor = "1b36"
            device = "0010"
            state = "host"
            vfs = \(vfs)

            [[device]]
            vfs_of = "\(S.nvme)"
            state = "vfio"
            """
                + (nicToo
                    ? """

                    [[device]]
                    address = "\(S.e1000e)"
                    vendor = "8086"
                    device = "10d3"
                    state = "vfio"
                    """ : ""),
            file: "state.toml")
    }

    /// 2 VFs on vfio-pci from an earlier apply; an apply of 3 VFs plus an entry that fails puts
    /// the PF back to 2 VFs, and those VFs back on vfio-pci with their records, as they were.
    @Test func aFailedApplyPutsReCreatedVFsBackOnTheirDriversWithTheirRecords() throws {
        let f = EngineFixture()
        let first = reconciler(f).run(try state(vfs: 2, nicToo: false), options: f.options)
        #expect(first.error == nil, "\(first.error?.description ?? "")")
        let vfs = f.sim.virtualFunctions(of: S.nvme)
        #expect(vfs.map { f.sim.driver(of: $0)?.rawValue } == ["vfio-pci", "vfio-pci"])
        let recordsBefore = try f.state.readManaged()
        let sriovBefore = try f.state.readSRIOV()
        let kernelBefore = f.sim.state()
        #expect(recordsBefore.map(\.address) == vfs)

        // Every VFIO driver fails on the NIC: the transaction fails after binding the new VFs.
        f.sim.failProbe(driver: S.testVariantDriver, errno: ENODEV)
        f.sim.failProbe(driver: DriverName.vfioPCI, device: S.e1000e, errno: EINVAL)
        let report = reconciler(f).run(try state(vfs: 3, nicToo: true), options: f.options)

        #expect(report.error?.status == .failed)
        #expect(f.sim.virtualFunctions(of: S.nvme) == vfs)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == false)
        for vf in vfs {
            #expect(f.sim.driver(of: vf)?.rawValue == "vfio-pci", "\(vf)")
            #expect(f.sim.override(of: vf)?.rawValue == "vfio-pci", "\(vf)")
        }
        let now = f.sim.state()
        for (address, was) in kernelBefore {
            #expect(now[address]?.driver == was.driver && now[address]?.override == was.override, "\(address)")
        }
        #expect(try f.state.readManaged() == recordsBefore)
        #expect(try f.state.readSRIOV() == sriovBefore)
        #expect(!f.journalExists)

        // The report: each VF once, with its final status.
        for vf in vfs {
            let entries = report.devices.filter { $0.address == vf }
            #expect(entries.count == 1, "\(vf): \(entries.map(\.status))")
            #expect(entries.first?.to?.rawValue == "vfio-pci")
            #expect(entries.first?.status == .rolledBack || entries.first?.status == .failed)
        }
        let third = report.devices.first { $0.address == S.nvmeVF(2) }
        #expect(third?.message?.contains("removed again") == true, "\(third?.message ?? "no entry")")
        #expect(report.devices.first { $0.address == S.nvme }?.status == .rolledBack)
    }

    /// `sriov --vfs 3 --bind` where a new VF fails to bind: the PF goes back to its 2 VFs, both on
    /// vfio-pci with their records, instead of staying at 3 unbound VFs.
    @Test func aFailedSriovBindPutsThePFAndItsVFsBack() throws {
        let f = EngineFixture()
        let inventory = try f.sim.inventory()
        let first = reconciler(f).setVirtualFunctions(
            of: inventory[S.nvme]!, count: 2, bind: true, inventory: inventory,
            options: f.options)
        #expect(first.error == nil, "\(first.error?.description ?? "")")
        let vfs = f.sim.virtualFunctions(of: S.nvme)
        #expect(vfs.map { f.sim.driver(of: $0)?.rawValue } == ["vfio-pci", "vfio-pci"])
        let records = try f.state.readManaged()

        f.sim.failProbe(driver: DriverName.vfioPCI, device: S.nvmeVF(2), errno: EINVAL)
        let now = try f.sim.inventory()
        let report = reconciler(f).setVirtualFunctions(
            of: now[S.nvme]!, count: 3, bind: true, inventory: now, options: f.options)
        #expect(report.error?.status == .failed)
        #expect(f.sim.virtualFunctions(of: S.nvme) == vfs)
        #expect(vfs.map { f.sim.driver(of: $0)?.rawValue } == ["vfio-pci", "vfio-pci"])
        #expect(try f.state.readManaged() == records)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == false)
        #expect(report.devices.first { $0.address == S.nvme }?.status == .rolledBack)
        #expect(!f.journalExists)
    }
}
