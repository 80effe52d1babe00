#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Which devices a bind reads and how it binds them: driver_override unless new_id is asked for or
/// the kernel has no driver_override, and then the whole system is read for new_id's collateral.
@Suite struct BindTargetsTests {
    typealias S = KernelSimulator.Standard

    /// Selects on `sysfs`, recording each read: `false` for the devices named, `true` for all.
    private func select(
        _ selectors: [String], method: DeviceMover.BindMethod?, sysfs: any SysfsAccess
    )
        throws -> (targets: BindTargets, reads: [Bool])
    {
        var reads: [Bool] = []
        let enumerator = SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true, hostUse: .skip)
        let targets = try BindTargets.select(
            try selectors.map { try DeviceSelector(parsing: $0) }, method: method,
            sysfs: sysfs
        ) { (wholeSystem: Bool) throws(VFIOError) in
            reads.append(wholeSystem)
            return try enumerator.enumerate()
        }
        return (targets, reads)
    }

    @Test func aKernelWithDriverOverrideBindsByOverrideAndReadsOnlyWhatItNeeds() throws {
        let (targets, reads) = try select(["01:00.0"], method: nil, sysfs: KernelSimulator.standard())
        #expect(targets.method == nil)
        #expect(targets.devices.map(\.address) == [S.e1000e])
        #expect(reads == [false])
    }

    @Test func newIDAskedForReadsTheWholeSystemOnce() throws {
        let (targets, reads) = try select(["01:00.0"], method: .newID, sysfs: KernelSimulator.standard())
        #expect(targets.method == .newID)
        #expect(reads == [true])
    }

    @Test func driverOverrideAskedForIsKeptEvenWithoutTheAttribute() throws {
        try TemporaryDirectory.with { root in
            try KernelSimulator.standard().materialize(to: root)
            unlink(root + "/bus/pci/devices/0000:01:00.0/driver_override")
            let (targets, reads) = try select(["01:00.0"], method: .override, sysfs: LiveSysfs(root: root))
            #expect(targets.method == .override)
            #expect(reads == [false])
        }
    }

    @Test func aKernelWithoutDriverOverrideFallsBackToNewIDAndReadsEverything() throws {
        try TemporaryDirectory.with { root in
            try KernelSimulator.standard().materialize(to: root)
            unlink(root + "/bus/pci/devices/0000:01:00.0/driver_override")
            let (targets, reads) = try select(["01:00.0"], method: nil, sysfs: LiveSysfs(root: root))
            #expect(targets.method == .newID)
            #expect(reads == [false, true])
            #expect(targets.devices.map(\.address) == [S.e1000e])
            #expect(targets.inventory.devices.count == 20)
        }
    }

    @Test func selectorsThatMatchNothingNeedNoMethod() throws {
        let (targets, reads) = try select(["dead:beef"], method: nil, sysfs: KernelSimulator.standard())
        #expect(targets.devices.isEmpty)
        #expect(targets.method == nil)
        #expect(reads == [false])
    }

    @Test func anUnknownAddressIsNotFoundBeforeAnyMethodIsChosen() {
        #expect { try select(["09:00.0"], method: nil, sysfs: KernelSimulator.standard()) } throws: {
            ($0 as? VFIOError)?.status == .notFound
        }
    }
}
