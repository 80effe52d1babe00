#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore

/// Every device a transaction touched ends in the report with its final status: moved and put
/// back (`rolled_back`, on its original driver), failed (and whether it was put back), or not
/// reached because an earlier device failed.
@Suite struct RollbackReportTests {
    typealias S = KernelSimulator.Standard

    @Test func aDeviceMovedAndPutBackIsReportedOnItsFinalDriver() throws {
        let f = EngineFixture()
        f.sim.failProbe(driver: DriverName.vfioPCI, device: S.virtioNet, errno: EINVAL)
        let report = try f.bind([S.e1000e, S.virtioNet], driver: "vfio-pci")

        #expect(report.error?.status == .failed)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        let moved = try #require(report.devices.first { $0.address == S.e1000e })
        #expect(moved.status == .rolledBack)
        #expect(moved.to?.rawValue == "e1000e", "the driver it ended on")
        #expect(moved.deviceNode == nil)
        #expect(
            moved.message?.contains("vfio-pci") == true && moved.message?.contains(S.virtioNet.description) == true,
            "\(moved.message ?? "")")
        #expect(report.devices.first { $0.address == S.virtioNet }?.status == .failed)

        let json = OperationJSON.report(report).rendered()
        #expect(json.contains("\"rolled_back\""), "\(json)")
        let text = OperationText.report(report, verbose: false)
        #expect(
            text.contains(
                "\(S.e1000e) rolled back to e1000e: moved to vfio-pci, then put back because \(S.virtioNet) failed"),
            "\(text)")
    }

    @Test func aDeviceNotReachedIsReportedUnchanged() throws {
        let f = EngineFixture()
        f.sim.failProbe(driver: DriverName.vfioPCI, device: S.virtioNet, errno: EINVAL)
        let report = try f.bind([S.virtioNet, S.e1000e], driver: "vfio-pci")

        #expect(report.error?.status == .failed)
        #expect(report.devices.map(\.address) == [S.virtioNet, S.e1000e])
        let skipped = try #require(report.devices.last)
        #expect(skipped.status == .unchanged)
        #expect(skipped.message == "not attempted: \(S.virtioNet) failed first")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(!f.journalExists)
    }

    /// The node wait fails after a successful bind: the device is put back and still reported.
    @Test func aVFIONodeThatNeverAppearsLeavesTheDeviceReported() throws {
        let sim = KernelSimulator.Builder.standard().vfioNodes(groups: false, deviceCdevs: false).build()
        let f = EngineFixture(sim)
        let report = try f.bind([S.e1000e, S.virtioNet], driver: "vfio-pci")

        #expect(report.error?.status == .timedOut)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        let first = try #require(report.devices.first)
        #expect(first.address == S.e1000e)
        #expect(first.status == .failed)
        #expect(first.restoreError == nil)
        #expect(first.message?.contains("did not appear") == true, "\(first.message ?? "")")
        #expect(report.devices.last?.address == S.virtioNet, "the device after it: not attempted")
        #expect(!f.journalExists)
    }

    /// A device that cannot be put back keeps the journal, and every other device is still tried.
    @Test func aDeviceThatCannotBePutBackKeepsTheJournal() throws {
        let f = EngineFixture()
        f.sim.failProbe(driver: DriverName.vfioPCI, device: S.virtioNet, errno: EINVAL)
        // The rollback's bind of e1000e back to its driver fails.
        f.sim.failProbe(driver: DriverName("e1000e")!, errno: EIO)
        let report = try f.bind([S.e1000e, S.virtioNet], driver: "vfio-pci")

        #expect(report.error?.status == .failed)
        #expect(report.error?.message.contains("putting back \(S.e1000e)") == true, "\(report.error?.message ?? "")")
        let stuck = try #require(report.devices.first { $0.address == S.e1000e })
        #expect(stuck.status == .failed)
        #expect(stuck.restoreError != nil)
        #expect(OperationText.report(report, verbose: false).contains("\(S.e1000e) failed, NOT put back on e1000e"))
        #expect(f.journalExists)
    }
}
