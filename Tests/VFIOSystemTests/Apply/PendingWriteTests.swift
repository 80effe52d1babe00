import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// Writes that cannot hang vfioctl: an unbind the kernel blocks (a VFIO user holds the device) is
/// left pending after --timeout, exit 6 naming the write and the holders, nothing more is written,
/// the journal stays, the lock is free; once the user lets go, recovery finishes the job.
@Suite struct PendingWriteTests {
    typealias S = KernelSimulator.Standard

    @Test func aBlockedUnbindExitsSixNamingTheWriteAndTheHolder() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        f.sim.holdOpen(group: IOMMUGroup(10))
        f.host.openNodes = ["vfio/10": [.init(pid: 4242, command: "qemu-system-x86")]]
        let report = try f.unbind([S.e1000e]) {
            $0.forced = ["open-fd"]; $0.timeout = 0.2
        }
        let error = try #require(report.error)
        #expect(error.status == .timedOut)
        #expect(error.message.contains("/sys/bus/pci/drivers/vfio-pci/unbind"), "\(error)")
        #expect(error.message.contains("pid 4242 (qemu-system-x86) holds /dev/vfio/10"), "\(error)")
        #expect(error.hint?.contains("vfioctl recover") == true)
        #expect(f.sim.pendingWrites == 1)
        #expect(f.sim.blockedUnbinds == 0, "the blocking write was never made in place")
        // After the pending unbind nothing else was written (any write to the device would block).
        let steps = report.devices.flatMap(\.steps)
        #expect(steps.contains { $0.error?.hasPrefix("pending") == true })
        #expect(
            !steps.dropFirst(steps.firstIndex { $0.error?.hasPrefix("pending") == true }! + 1).contains {
                $0.error == nil
            })
        #expect(f.journalExists, "the journal stays for recover")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci", "still bound while the user holds it")
        // The lock is free: another run can take it at once.
        let lock = try f.state.lock(timeout: 0)
        lock.release()

        // The user lets go: the pending unbind returns; recovery then puts the device back as the
        // journal recorded it (on vfio-pci), consistently.
        f.sim.release(group: IOMMUGroup(10))
        #expect(f.sim.pendingWrites == 0)
        #expect(f.sim.driver(of: S.e1000e) == nil, "the unbind completed")
        f.host.openNodes = [:]
        var recovered = OperationReport(operation: "recover", dryRun: false)
        #expect(try f.engine().recoverLocked(forced: [], report: &recovered))
        #expect(!f.journalExists)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
    }
}
