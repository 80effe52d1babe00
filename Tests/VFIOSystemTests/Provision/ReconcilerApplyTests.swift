#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// `apply`'s second look after losing a race to another vfioctl, and how a run from udev is known.
@Suite struct ReconcilerApplyTests {
    typealias S = KernelSimulator.Standard

    static let wantsE1000eOnVFIO = """
        [[device]]
        address = "0000:01:00.0"
        vendor = "8086"
        device = "10d3"
        driver = "vfio-pci"
        """

    /// A reconciler whose first `losses` reads of the devices are each followed by another vfioctl
    /// changing the e1000e's driver_override, so the device looks changed when the lock is taken;
    /// that other vfioctl clears it again before the next read.
    private func reconciler(_ fixture: EngineFixture, losses: Int, reads: Counter) -> Reconciler {
        let sim = fixture.sim
        let override = "bus/pci/devices/0000:01:00.0/driver_override"
        return Reconciler(
            engine: fixture.engine(),
            makePlanner: { _ throws(VFIOError) in
                do { return try fixture.planner() } catch {
                    throw error as? VFIOError ?? VFIOError(.failed, "\(error)")
                }
            },
            enumerate: { () throws(VFIOError) in
                reads.value += 1
                if reads.value == losses + 1 { try? sim.write(override, "\n") }
                let inventory = try sim.inventory()
                if reads.value <= losses { try? sim.write(override, reads.value % 2 == 1 ? "e1000e" : "pci-stub") }
                return inventory
            })
    }

    final class Counter: @unchecked Sendable { var value = 0 }

    private func state() throws -> DesiredState {
        try TemporaryDirectory.with { root in
            let path = root + "/state.toml"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = Self.wantsE1000eOnVFIO.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
            close(fd)
            return try DesiredState.load(path)
        }
    }

    @Test func aLostRaceIsRetriedAndThenApplies() throws {
        let fixture = EngineFixture()
        let reads = Counter()
        let report = reconciler(fixture, losses: 1, reads: reads).apply(
            try state(), only: nil, options: fixture.options)
        #expect(report.error == nil, "\(report.error?.message ?? "")")
        #expect(reads.value == 2)
        #expect(fixture.sim.driver(of: S.e1000e) == .vfioPCI)
        #expect(report.reportsPendingChanges)
    }

    @Test func retriesStopAfterThreeMoreTries() throws {
        let fixture = EngineFixture()
        let reads = Counter()
        let report = reconciler(fixture, losses: 10, reads: reads).apply(
            try state(), only: nil, options: fixture.options)
        #expect(report.error?.retryable == true)
        #expect(reads.value == 1 + Reconciler.raceRetries)
        #expect(fixture.sim.driver(of: S.e1000e) == DriverName("e1000e"))
    }

    @Test func otherFailuresAreNotRetried() throws {
        let fixture = EngineFixture()
        fixture.sim.failProbe(driver: .vfioPCI, errno: EIO)
        let reads = Counter()
        let report = reconciler(fixture, losses: 0, reads: reads).apply(
            try state(), only: nil, options: fixture.options)
        #expect(report.error != nil)
        #expect(report.error?.retryable == false)
        #expect(reads.value == 1)
    }

    @Test(
        arguments: [
            (["SEQNUM": "1234", "DEVPATH": "/devices/pci0000:00/0000:00:02.0"], true),
            (["SEQNUM": "1234"], false), (["DEVPATH": "/devices/x"], false), ([:], false),
            (["SEQNUM": "", "DEVPATH": "/devices/x"], false), (["SEQNUM": "1", "DEVPATH": ""], false)
        ] as [([String: String], Bool)])
    func aRunFromUdevIsKnownBySeqnumAndDevpath(_ environment: [String: String], _ expected: Bool) {
        #expect(BindEngine.Options.isRunByUdev(environment: environment) == expected)
    }
}
