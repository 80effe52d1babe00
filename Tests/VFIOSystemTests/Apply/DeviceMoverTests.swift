#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// One device moved between drivers on the simulated kernel: the order of the writes, the
/// verification by reading the `driver` link back, and putting the device back on failure.
@Suite struct DeviceMoverTests {
    typealias S = KernelSimulator.Standard

    let sim: KernelSimulator

    init() throws {
        sim = .standard()
        try sim.loadModule("vfio_pci")
    }

    private func mover(dryRun: Bool = false) -> DeviceMover {
        DeviceMover(writer: KernelWriter(kernel: sim, dryRun: dryRun, crashAfterWrite: nil))
    }

    private func identity(_ address: PCIAddress) throws -> PCIIdentity {
        try #require(try sim.inventory()[address]).identity
    }

    private static let onE1000e = DeviceBinding(driver: DriverName("e1000e")!, override: nil)

    /// The writes the mover made, as `path=value` with the path relative to /sys.
    private func writes(since start: Int = 0) -> [String] {
        sim.writes.dropFirst(start).map { "\($0.path)=\($0.value == "\n" ? "\\n" : $0.value)" }
    }

    // MARK: Reading

    @Test func currentBindingReadsTheDriverLinkAndTheOverride() throws {
        #expect(try mover().currentBinding(S.e1000e) == Self.onE1000e)
        #expect(try mover().currentBinding(S.edu) == DeviceBinding(driver: nil, override: nil))
        try sim.write("bus/pci/devices/0000:00:05.0/driver_override", "pci-stub")
        #expect(try mover().currentBinding(S.edu) == DeviceBinding(driver: nil, override: .pciStub))
    }

    // MARK: bind by driver_override

    @Test func overrideBindWritesOverrideUnbindBindInThatOrder() throws {
        try mover().bind(
            S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .override)
        #expect(
            writes() == [
                "bus/pci/devices/0000:01:00.0/driver_override=vfio-pci",
                "bus/pci/drivers/e1000e/unbind=0000:01:00.0",
                "bus/pci/drivers/vfio-pci/bind=0000:01:00.0"
            ])
        #expect(sim.driver(of: S.e1000e) == .vfioPCI)
        #expect(sim.override(of: S.e1000e) == .vfioPCI)
    }

    @Test func anUnboundDeviceIsNotUnbound() throws {
        try mover().bind(
            S.edu, identity: try identity(S.edu), to: .vfioPCI, from: DeviceBinding(driver: nil, override: nil),
            method: .override)
        #expect(
            writes() == [
                "bus/pci/devices/0000:00:05.0/driver_override=vfio-pci",
                "bus/pci/drivers/vfio-pci/bind=0000:00:05.0"
            ])
        #expect(sim.driver(of: S.edu) == .vfioPCI)
    }

    @Test func aDryRunRecordsTheStepsAndWritesNothing() throws {
        let writer = KernelWriter(kernel: sim, dryRun: true, crashAfterWrite: nil)
        let before = sim.writeCount
        try DeviceMover(writer: writer).bind(
            S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e,
            method: .override)
        #expect(sim.writeCount == before)
        #expect(
            writer.steps.map(\.path) == [
                "/sys/bus/pci/devices/0000:01:00.0/driver_override",
                "/sys/bus/pci/drivers/e1000e/unbind",
                "/sys/bus/pci/drivers/vfio-pci/bind"
            ])
        #expect(sim.driver(of: S.e1000e) == DriverName("e1000e"))
    }

    @Test func aFailedProbePutsTheDeviceBackAndSaysWhichStepFailed() throws {
        sim.failProbe(driver: .vfioPCI, errno: ENODEV)
        let start = sim.writeCount
        #expect {
            try mover().bind(
                S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .override)
        } throws: { error in
            guard let failure = error as? BindFailure else { return false }
            return failure.message
                == "bind to vfio-pci: writing /sys/bus/pci/drivers/vfio-pci/bind failed with ENODEV (No such device)"
                && failure.errno == ENODEV && failure.restoreError == nil
        }
        #expect(sim.driver(of: S.e1000e) == DriverName("e1000e"))
        #expect(sim.override(of: S.e1000e) == nil)
        // Back: the override that allows e1000e, its bind, then the override cleared as it was.
        #expect(
            writes(since: start).suffix(3) == [
                "bus/pci/devices/0000:01:00.0/driver_override=e1000e",
                "bus/pci/drivers/e1000e/bind=0000:01:00.0",
                "bus/pci/devices/0000:01:00.0/driver_override=\\n"
            ])
    }

    @Test func aRecordedOverrideIsRestoredAfterAFailure() throws {
        try sim.write("bus/pci/devices/0000:01:00.0/driver_override", "e1000e")
        sim.failProbe(driver: .vfioPCI, errno: EINVAL)
        let original = DeviceBinding(driver: DriverName("e1000e")!, override: DriverName("e1000e")!)
        #expect(throws: BindFailure.self) {
            try mover().bind(
                S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: original, method: .override)
        }
        #expect(try mover().currentBinding(S.e1000e) == original)
    }

    @Test func aFailedRestoreIsReportedNextToTheBindError() throws {
        sim.failProbe(driver: .vfioPCI, errno: ENODEV)
        sim.failNextWrite(toPathEndingWith: "drivers/e1000e/bind", errno: EIO)
        #expect {
            try mover().bind(
                S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .override)
        } throws: { error in
            guard let failure = error as? BindFailure else { return false }
            return failure.message.hasPrefix("bind to vfio-pci:")
                && failure.restoreError
                    == "bind to e1000e: writing /sys/bus/pci/drivers/e1000e/bind failed with EIO (Input/output error)"
        }
        #expect(sim.driver(of: S.e1000e) == nil)
    }

    @Test func aDeviceOnAStubGoesBackToTheStubWhenTheBindIsRefused() throws {
        try sim.loadModule("pci_stub")
        try sim.write("bus/pci/devices/0000:00:05.0/driver_override", "pci-stub")
        try sim.write("bus/pci/drivers/pci-stub/bind", "0000:00:05.0")
        let original = try mover().currentBinding(S.edu)
        #expect(original == DeviceBinding(driver: .pciStub, override: .pciStub))
        sim.failNextWrite(toPathEndingWith: "drivers/vfio-pci/bind", errno: EBUSY)
        #expect(throws: BindFailure.self) {
            try mover().bind(S.edu, identity: try identity(S.edu), to: .vfioPCI, from: original, method: .override)
        }
        #expect(try mover().currentBinding(S.edu) == original)
    }

    // MARK: bind by new_id

    @Test func newIDBindAddsTheIdAndRemovesItAgain() throws {
        let writer = KernelWriter(kernel: sim, dryRun: false, crashAfterWrite: nil)
        try DeviceMover(writer: writer).bind(
            S.edu, identity: try identity(S.edu), to: .vfioPCI,
            from: DeviceBinding(driver: nil, override: nil), method: .newID)
        #expect(
            writes() == [
                "bus/pci/drivers/vfio-pci/new_id=1234 11e8",
                "bus/pci/drivers/vfio-pci/remove_id=1234 11e8"
            ])
        #expect(sim.driver(of: S.edu) == .vfioPCI)
        #expect(sim.override(of: S.edu) == nil)
        #expect(sim.dynamicIDs(of: .vfioPCI).isEmpty)
        #expect(writer.warnings.isEmpty)
    }

    @Test func newIDUnbindsTheCurrentDriverFirst() throws {
        try mover().bind(S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .newID)
        #expect(
            writes() == [
                "bus/pci/drivers/e1000e/unbind=0000:01:00.0",
                "bus/pci/drivers/vfio-pci/new_id=8086 10d3",
                "bus/pci/drivers/vfio-pci/remove_id=8086 10d3"
            ])
        #expect(sim.driver(of: S.e1000e) == .vfioPCI)
    }

    @Test func anIdAlreadyPresentIsLeftAloneAndTheDeviceBoundExplicitly() throws {
        // Someone else's dynamic id (EEXIST on a second add): not ours to remove.
        try sim.write("bus/pci/drivers/vfio-pci/new_id", "8086 10d3")
        let start = sim.writeCount
        try mover().bind(S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .newID)
        #expect(
            writes(since: start) == [
                "bus/pci/drivers/e1000e/unbind=0000:01:00.0",
                "bus/pci/drivers/vfio-pci/new_id=8086 10d3",
                "bus/pci/drivers/vfio-pci/bind=0000:01:00.0"
            ])
        #expect(sim.driver(of: S.e1000e) == .vfioPCI)
        #expect(sim.dynamicIDs(of: .vfioPCI).count == 1)
    }

    @Test func anIdThatCannotBeRemovedIsAWarningNotAFailure() throws {
        sim.failNextWrite(toPathEndingWith: "remove_id", errno: EIO)
        let writer = KernelWriter(kernel: sim, dryRun: false, crashAfterWrite: nil)
        try DeviceMover(writer: writer).bind(
            S.edu, identity: try identity(S.edu), to: .vfioPCI,
            from: DeviceBinding(driver: nil, override: nil), method: .newID)
        #expect(sim.driver(of: S.edu) == .vfioPCI)
        #expect(
            writer.warnings == [
                "could not remove the dynamic id 1234 11e8 from vfio-pci (EIO (Input/output error)): other devices with these ids may bind to it; remove it with 'vfioctl remove-id vfio-pci 1234:11e8'"
            ])
    }

    @Test func aRefusedNewIDPutsTheDeviceBack() throws {
        sim.failNextWrite(toPathEndingWith: "new_id", errno: EINVAL)
        #expect {
            try mover().bind(
                S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .newID)
        } throws: { error in
            (error as? BindFailure)?.message
                == "add dynamic id 8086 10d3 to vfio-pci: writing /sys/bus/pci/drivers/vfio-pci/new_id failed with EINVAL (Invalid argument)"
        }
        #expect(sim.driver(of: S.e1000e) == DriverName("e1000e"))
        #expect(sim.override(of: S.e1000e) == nil)
    }

    // MARK: restore and reprobe

    @Test func restoreReturnsADeviceToItsRecordedDriverAndOverride() throws {
        try mover().bind(
            S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .override)
        try mover().restore(S.e1000e, to: Self.onE1000e)
        #expect(try mover().currentBinding(S.e1000e) == Self.onE1000e)
        #expect(sim.override(of: S.e1000e) == nil)
    }

    @Test func restoreOfADeviceAlreadyThereWritesNothing() throws {
        let start = sim.writeCount
        try mover().restore(S.e1000e, to: Self.onE1000e)
        #expect(sim.writeCount == start)
    }

    @Test func restoreToNoDriverLeavesTheDeviceUnbound() throws {
        try mover().bind(
            S.edu, identity: try identity(S.edu), to: .vfioPCI, from: DeviceBinding(driver: nil, override: nil),
            method: .override)
        try mover().restore(S.edu, to: DeviceBinding(driver: nil, override: nil))
        #expect(try mover().currentBinding(S.edu) == DeviceBinding(driver: nil, override: nil))
    }

    @Test func aRestoreThatCannotRebindSaysWhereTheDeviceIs() throws {
        try mover().bind(
            S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .override)
        sim.failProbe(driver: DriverName("e1000e")!, errno: ENODEV)
        #expect {
            try mover().restore(S.e1000e, to: Self.onE1000e)
        } throws: { error in
            (error as? BindFailure)?.message
                == "bind to e1000e: writing /sys/bus/pci/drivers/e1000e/bind failed with ENODEV (No such device)"
        }
        #expect(sim.driver(of: S.e1000e) == nil)
    }

    @Test func reprobeClearsTheOverrideUnbindsAndLetsTheKernelChoose() throws {
        try mover().bind(
            S.e1000e, identity: try identity(S.e1000e), to: .vfioPCI, from: Self.onE1000e, method: .override)
        let start = sim.writeCount
        try mover().reprobe(S.e1000e, from: try mover().currentBinding(S.e1000e))
        #expect(
            writes(since: start) == [
                "bus/pci/devices/0000:01:00.0/driver_override=\\n",
                "bus/pci/drivers/vfio-pci/unbind=0000:01:00.0",
                "bus/pci/drivers_probe=0000:01:00.0"
            ])
        #expect(sim.driver(of: S.e1000e) == DriverName("e1000e"))
        #expect(sim.override(of: S.e1000e) == nil)
    }

    @Test func reprobeOfAnUnboundDeviceOnlyProbes() throws {
        let start = sim.writeCount
        try mover().reprobe(S.edu, from: DeviceBinding(driver: nil, override: nil))
        #expect(writes(since: start) == ["bus/pci/drivers_probe=0000:00:05.0"])
        // No host driver matches the edu: it stays unbound.
        #expect(sim.driver(of: S.edu) == nil)
    }
}
