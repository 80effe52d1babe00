#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The reports of writing commands (`bind`, `unbind`, ...) as text, verbose text and JSON, compared
/// with Golden/operation-*. Each report comes from the real engine on the simulated machine, except
/// the last, made by hand for the states the engine reaches only through kernel failures.
@Suite struct OperationGoldenTests {
    typealias S = KernelSimulator.Standard

    /// Renders `report` three ways and compares each with `operation-NAME.{txt,verbose.txt,json}`.
    private func check(
        _ report: OperationReport, _ name: String, normalise: (String) -> String = { $0 },
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        Golden.check(
            normalise(OperationText.report(report, verbose: false)), "operation-\(name).txt",
            sourceLocation: sourceLocation)
        Golden.check(
            normalise(OperationText.report(report, verbose: true)), "operation-\(name).verbose.txt",
            sourceLocation: sourceLocation)
        Golden.check(
            normalise(OperationJSON.report(report).rendered()), "operation-\(name).json",
            sourceLocation: sourceLocation)
    }

    @Test func bindDryRun() throws {
        let fixture = try OperationFixture()
        let report = try fixture.engine.bind([S.e1000e, S.edu]) { $0.dryRun = true }
        check(report, "bind-dry-run", normalise: fixture.normalised)
    }

    @Test func bindWithAVariantThatFailsToProbe() throws {
        let fixture = try OperationFixture()
        fixture.engine.sim.failProbe(driver: "test-vfio-pci", errno: ENODEV)
        let report = try fixture.engine.bind([S.e1000e])
        check(report, "bind-fallback", normalise: fixture.normalised)
    }

    @Test func bindOfADeviceAlreadyBound() throws {
        let fixture = try OperationFixture()
        _ = try fixture.engine.bind([S.edu])
        let report = try fixture.engine.bind([S.edu])
        check(report, "bind-unchanged", normalise: fixture.normalised)
    }

    @Test func bindWhereOneDeviceFailsAndTheOtherIsRolledBack() throws {
        let fixture = try OperationFixture()
        fixture.engine.sim.failProbe(driver: .vfioPCI, device: S.edu, errno: EIO)
        let report = try fixture.engine.bind([S.e1000e, S.edu], driver: "vfio-pci")
        check(report, "bind-rolled-back", normalise: fixture.normalised)
    }

    @Test func bindRefusedForTheGroup() throws {
        let fixture = try OperationFixture()
        let report = try fixture.engine.bind([S.e1000])
        check(report, "bind-refused", normalise: fixture.normalised)
    }

    @Test func unbindBackToTheHostDriver() throws {
        let fixture = try OperationFixture()
        _ = try fixture.engine.bind([S.e1000e], driver: "vfio-pci")
        let report = try fixture.engine.unbind([S.e1000e])
        check(report, "unbind", normalise: fixture.normalised)
    }

    /// Every status and optional field the text and JSON know, some only reachable through kernel
    /// failures: a device not put back, forced checks, warnings, an error with a hint, a new_id step.
    @Test func everyStatus() {
        let e1000e = DriverName("e1000e")!
        var report = OperationReport(operation: "bind", dryRun: false)
        report.checks = [
            "group 10: viable",
            "overridden (--force in-use): 0000:01:00.0 carries eth0, which is up",
            "warning: could not remove the dynamic id 8086 10d3 from vfio-pci (EIO)",
            "refused: never printed as a check line"
        ]
        let writer = KernelWriter(kernel: KernelSimulator.standard(), dryRun: true, crashAfterWrite: nil)
        try? writer.write("bus/pci/devices/0000:01:00.0/driver_override", "\n")
        try? writer.write("bus/pci/drivers/vfio-pci/new_id", "8086 10d3")
        report.devices = [
            .init(
                address: S.e1000e, from: DeviceBinding(driver: e1000e, override: nil), to: .vfioPCI, status: .changed,
                group: IOMMUGroup(10), nodes: VFIONodes(deviceCdev: "/dev/vfio/devices/vfio0"),
                attempts: [
                    .init(
                        module: ModuleName("test_vfio_pci"), driver: DriverName("test-vfio-pci")!,
                        error: "probe failed with ENODEV"),
                    .init(module: ModuleName("vfio_pci"), driver: .vfioPCI, error: nil)
                ],
                steps: writer.steps, message: "bound by new_id"),
            .init(
                address: S.e1000, from: DeviceBinding(driver: DriverName("e1000")!, override: .pciStub), to: .vfioPCI,
                status: .failed, group: IOMMUGroup(13),
                attempts: [.init(module: nil, driver: .vfioPCI, error: "bind to vfio-pci: EBUSY")],
                message: "bind to vfio-pci: writing /sys/bus/pci/drivers/vfio-pci/bind failed with EBUSY",
                restoreError: "bind to e1000: writing /sys/bus/pci/drivers/e1000/bind failed with EIO"),
            .init(
                address: S.rtl8139, from: DeviceBinding(driver: nil, override: nil), to: .vfioPCI, status: .rolledBack,
                group: IOMMUGroup(13), message: "0000:05:01.0 failed"),
            .init(
                address: S.edu, from: DeviceBinding(driver: .vfioPCI, override: .vfioPCI), to: .vfioPCI,
                status: .unchanged, group: IOMMUGroup(8)),
            .init(
                address: S.virtioRNG, from: DeviceBinding(driver: nil, override: nil), to: nil, status: .planned,
                message: "no driver: \"quoted\"\ttab")
        ]
        report.error = VFIOError(
            .failed, "0000:05:01.0: bind to vfio-pci failed and it could not be put back",
            hint: "run 'vfioctl recover'")
        check(report, "every-status")
    }
}
