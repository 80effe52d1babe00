#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// `sriov` turns the PF's driver autoprobe off for VFs meant for VFIO; once vfioctl no longer needs
/// that (no VFs left, or `persist disable --restore`), the value it found comes back.
@Suite struct SRIOVRestoreTests {
    typealias S = KernelSimulator.Standard

    func setVFs(_ f: EngineFixture, _ count: Int) throws -> OperationReport {
        let inventory = try f.sim.inventory()
        return f.engine().setVirtualFunctions(
            inventory[S.nvme]!, count: count, inventory: inventory, options: f.options)
    }

    @Test func removingTheVFsPutsAutoprobeBack() throws {
        let f = EngineFixture()
        #expect(try setVFs(f, 2).error == nil)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == false)
        #expect(try f.state.readSRIOV() == [SRIOVRecord(pf: S.nvme, originalAutoprobe: true, originalVFs: 0)])
        #expect(try setVFs(f, 3).error == nil, "a second change keeps the first record")
        #expect(try f.state.readSRIOV() == [SRIOVRecord(pf: S.nvme, originalAutoprobe: true, originalVFs: 0)])

        let removed = try setVFs(f, 0)
        #expect(removed.error == nil, "\(removed.error?.description ?? "")")
        #expect(f.sim.virtualFunctions(of: S.nvme).isEmpty)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == true)
        #expect(try f.state.readSRIOV().isEmpty)
        #expect(removed.devices.first?.steps.map(\.value) == ["1", "0"], "autoprobe on, then no VFs")

        // VFs some other tool creates now get their host driver again.
        try f.sim.write(PCIPaths.sriovNumVFs(S.nvme), "1")
        #expect(f.sim.driver(of: S.nvmeVF(0))?.rawValue == "nvme")
    }

    /// A PF whose autoprobe was already off before vfioctl keeps it off.
    @Test func anAutoprobeFoundOffStaysOff() throws {
        let f = EngineFixture()
        try f.sim.write(PCIPaths.sriovAutoprobe(S.nvme), "0")
        #expect(try setVFs(f, 2).error == nil)
        #expect(try setVFs(f, 0).error == nil)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == false)
        #expect(try f.state.readSRIOV().isEmpty)
    }

    /// `persist disable --restore`: VF count and autoprobe as vfioctl found them.
    @Test func restoringTheRecordsPutsCountAndAutoprobeBack() throws {
        let f = EngineFixture()
        #expect(try setVFs(f, 2).error == nil)
        #expect(try f.bind(f.sim.virtualFunctions(of: S.nvme), driver: "vfio-pci").error == nil)
        #expect(try f.unbind(f.sim.virtualFunctions(of: S.nvme)).error == nil)

        let inventory = try f.sim.inventory()
        let restored = f.engine().restoreRecordedVirtualFunctions(inventory: inventory, options: f.options)
        #expect(restored.error == nil, "\(restored.error?.description ?? "")")
        #expect(f.sim.virtualFunctions(of: S.nvme).isEmpty)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == true)
        #expect(try f.state.readSRIOV().isEmpty)
        #expect(try f.state.readManaged().isEmpty)
    }

    /// A dry run writes nothing, records nothing.
    @Test func aDryRunRecordsNothing() throws {
        let f = EngineFixture()
        let inventory = try f.sim.inventory()
        var options = f.options
        options.dryRun = true
        let report = f.engine().setVirtualFunctions(
            inventory[S.nvme]!, count: 2, inventory: inventory, options: options)
        #expect(report.error == nil)
        #expect(f.sim.writeCount == 0)
        #expect(try f.state.readSRIOV().isEmpty)
    }

    @Test func recordsRoundTrip() throws {
        let records = [
            SRIOVRecord(pf: S.nvme, originalAutoprobe: true, originalVFs: 0),
            SRIOVRecord(pf: S.e1000e, originalAutoprobe: false, originalVFs: 4)
        ]
        let text = SRIOVRecord.encodeAll(records)
        #expect(try SRIOVRecord.decodeAll(text, file: "sriov.toml") == records.sorted { $0.pf < $1.pf })
        #expect(throws: VFIOError.self) {
            try SRIOVRecord.decodeAll("[[pf]]\naddress = \"0000:03:00.0\"\n", file: "sriov.toml")
        }
    }
}
