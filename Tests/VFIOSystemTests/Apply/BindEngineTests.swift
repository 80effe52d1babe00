#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

@Suite struct BindEngineTests {
    typealias S = KernelSimulator.Standard

    @Test func bindsToVFIOAndBackRecordingTheOriginal() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
        #expect(f.sim.override(of: S.e1000e)?.rawValue == "vfio-pci")
        #expect(report.devices.first?.status == .changed)
        #expect(report.devices.first?.deviceNode == "/dev/vfio/10")
        #expect(f.sim.deviceNodeExists("/dev/vfio/10"))
        let managed = try f.state.readManaged()
        #expect(managed.count == 1)
        #expect(managed.first?.original == DeviceBinding(driver: DriverName("e1000e"), override: nil))
        #expect(!f.journalExists)

        let back = try f.unbind([S.e1000e])
        #expect(back.error == nil, "\(back.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
        #expect(try f.state.readManaged().isEmpty)
        #expect(!f.sim.deviceNodeExists("/dev/vfio/10"))
    }

    @Test func alreadyBoundMakesNoWrites() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let before = f.sim.writeCount
        let again = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(again.error == nil)
        #expect(again.devices.first?.status == .unchanged)
        #expect(!again.changed)
        #expect(f.sim.writeCount == before)
    }

    @Test func thePlanChoosesTheVariantAndLearnsItsDriverName() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000e])
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e) == S.testVariantDriver)
        #expect(report.devices.first?.to == S.testVariantDriver)
    }

    @Test func aFailingVariantFallsBackToVFIOPCI() throws {
        let f = EngineFixture()
        f.sim.failProbe(driver: S.testVariantDriver, errno: ENODEV)
        let report = try f.bind([S.e1000e])
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
        let attempts = report.devices.first?.attempts ?? []
        #expect(attempts.count == 2)
        #expect(attempts.first?.error?.contains("ENODEV") == true)
    }

    @Test func anExhaustedChainPutsTheDeviceBack() throws {
        let f = EngineFixture()
        f.sim.failProbe(driver: S.testVariantDriver, errno: ENODEV)
        f.sim.failProbe(driver: "vfio-pci", errno: EINVAL)
        let report = try f.bind([S.e1000e])
        #expect(report.error?.status == .failed)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
        #expect(!f.journalExists)
    }

    @Test func aGroupMemberLeftOnAHostDriverIsRefusedAndGroupBindsAll() throws {
        let f = EngineFixture()
        let alone = try f.bind([S.e1000], driver: "vfio-pci")
        #expect(alone.error?.status == .refused)
        #expect(alone.error?.message.contains(S.rtl8139.description) == true)
        #expect(f.sim.writeCount == 0)

        let together = try f.bind([S.e1000], driver: "vfio-pci") { $0.group = true }
        #expect(together.error == nil, "\(together.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000)?.rawValue == "vfio-pci")
        #expect(f.sim.driver(of: S.rtl8139)?.rawValue == "vfio-pci")
        #expect(f.sim.driver(of: S.pciBridge) == nil)  // the bridge is not moved
    }

    @Test func bridgesAreRefused() throws {
        let f = EngineFixture()
        let report = try f.bind([S.pciBridge], driver: "vfio-pci")
        #expect(report.error?.status == .refused)
        #expect(report.error?.message.contains("--force bridge") == true)
    }

    @Test func aPFWithVFsIsRefusedAndVFsBindEach() throws {
        let f = EngineFixture()
        let inventory = try f.sim.inventory()
        let created = f.engine().setVirtualFunctions(
            inventory[S.nvme]!, count: 2, inventory: inventory, options: f.options)
        #expect(created.error == nil, "\(created.error?.description ?? "")")
        #expect(f.sim.virtualFunctions(of: S.nvme).count == 2)
        #expect(f.sim.driversAutoprobe(of: S.nvme) == false)

        let pf = try f.bind([S.nvme], driver: "vfio-pci")
        #expect(pf.error?.status == .refused)
        #expect(pf.error?.message.contains("sriov-pf") == true)

        let vfs = try f.bind(f.sim.virtualFunctions(of: S.nvme), driver: "vfio-pci")
        #expect(vfs.error == nil, "\(vfs.error?.description ?? "")")
        #expect(f.sim.virtualFunctions(of: S.nvme).allSatisfy { f.sim.driver(of: $0)?.rawValue == "vfio-pci" })

        // A different count needs 0 first; the simulator answers EBUSY otherwise.
        let after = try f.sim.inventory()
        let changed = f.engine().setVirtualFunctions(after[S.nvme]!, count: 3, inventory: after, options: f.options)
        #expect(changed.error == nil, "\(changed.error?.description ?? "")")
        #expect(f.sim.virtualFunctions(of: S.nvme).count == 3)
    }

    /// Destroying VFs a process holds open is refused like unbinding them; forcing it is reported.
    @Test func removingHeldVFsIsRefusedUnlessForcedAndThenReported() throws {
        let f = EngineFixture()
        let (_, bound, group) = try f.twoVFsOnVFIO()
        f.host.openNodes = ["vfio/\(group)": [.init(pid: 4242, command: "qemu-system-x86")]]

        let refused = f.engine().setVirtualFunctions(bound[S.nvme]!, count: 1, inventory: bound, options: f.options)
        #expect(refused.error?.status == .refused)
        #expect(refused.error?.message.contains("pid 4242") == true)
        #expect(f.sim.virtualFunctions(of: S.nvme).count == 2)

        var forced = f.options
        forced.forced = ["open-fd"]
        let done = f.engine().setVirtualFunctions(bound[S.nvme]!, count: 1, inventory: bound, options: forced)
        #expect(done.error == nil, "\(done.error?.description ?? "")")
        #expect(done.checks.contains { $0.hasPrefix("overridden: ") && $0.contains("pid 4242") })
        #expect(f.sim.virtualFunctions(of: S.nvme).count == 1)
    }

    @Test func newIDBindsAndRemovesTheIDAndRefusesCollateral() throws {
        let f = EngineFixture()
        let report = try f.bind([S.edu], driver: "vfio-pci") { $0.method = .newID }
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.edu)?.rawValue == "vfio-pci")
        #expect(f.sim.dynamicIDs(of: DriverName("vfio-pci")!).isEmpty)
        #expect(report.devices.first?.steps.contains { $0.path.hasSuffix("new_id") } == true)
        #expect(report.devices.first?.steps.contains { $0.path.hasSuffix("remove_id") } == true)

        let twin = KernelSimulator(
            KernelSimulator.Builder.standard()
                .adding(
                    KernelSimulator.DeviceSpec("0000:05:03.0", 0x1234, 0x11e8, class: 0x00ff00).behind(S.pciBridge)
                        .group(13)))
        let g = EngineFixture(twin)
        let refused = try g.bind([S.edu], driver: "vfio-pci") { $0.method = .newID }
        #expect(refused.error?.status == .refused)
        #expect(refused.error?.message.contains("new-id-collateral") == true)
        #expect(g.sim.writeCount == 0)
    }

    @Test func anOpenVFIONodeRefusesUnbindInsteadOfHanging() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        f.sim.holdOpen(group: IOMMUGroup(10))
        f.host.openNodes = ["vfio/10": [.init(pid: 4242, command: "qemu-system-x86")]]
        let report = try f.unbind([S.e1000e])
        #expect(report.error?.status == .refused)
        #expect(report.error?.message.contains("pid 4242") == true)
        #expect(report.error?.message.contains("open-fd") == true)
        #expect(f.sim.blockedUnbinds == 0)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "vfio-pci")
    }

    @Test func addressedNetdevIsRefusedUnlessForced() throws {
        let f = EngineFixture(
            KernelSimulator(
                KernelSimulator.Builder.standard().updating(S.e1000e.description) { spec in
                    var up = spec
                    up.hostUse = [.network(name: "eth0", operstate: "up")]
                    return up
                }))
        let iface = try #require(try f.sim.inventory()[S.e1000e]?.hostUse.networkInterfaces.first?.name)
        f.host.addresses = [iface: ["127.0.0.2/8"]]
        let refused = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(refused.error?.status == .refused)
        #expect(refused.error?.message.contains("127.0.0.2/8") == true)
        let forced = try f.bind([S.e1000e], driver: "vfio-pci") { $0.forced = ["netdev-active"] }
        #expect(forced.error == nil, "\(forced.error?.description ?? "")")
        #expect(forced.checks.contains { $0.hasPrefix("overridden: ") })
    }

    @Test func dryRunWritesNothingAndListsTheWrites() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000e], driver: "vfio-pci") { $0.dryRun = true }
        #expect(report.error == nil)
        #expect(f.sim.writeCount == 0)
        let steps = report.devices.first?.steps.map(\.path) ?? []
        #expect(
            steps == [
                "/sys/bus/pci/devices/0000:01:00.0/driver_override", "/sys/bus/pci/drivers/e1000e/unbind",
                "/sys/bus/pci/drivers/vfio-pci/bind"
            ])
    }

    @Test func unbindWithoutARecordLetsTheKernelChoose() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        try f.state.writeManaged([])  // as if another tool had bound it
        let report = try f.unbind([S.e1000e])
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
    }

    /// A device with a record goes back to its recorded driver: the alias tables are not read.
    @Test func unbindReadsTheAliasTablesOnlyForADeviceWithoutARecord() throws {
        let f = EngineFixture()
        let reads = Mutex(0)
        let directory = f.tree.path + "/modules/6.1.0-sim"
        let counting = {
            HostModuleLookup {
                reads.withLock { $0 += 1 }
                return try? KernelModuleIndex(modulesDirectory: directory)
            }
        }
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        var report = try f.unbind([S.e1000e], hostModules: counting())
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(reads.withLock { $0 } == 0)

        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        try f.state.writeManaged([])  // as if another tool had bound it
        let lookup = counting()
        report = try f.unbind([S.e1000e], hostModules: lookup)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(reads.withLock { $0 } == 1)
        #expect(lookup.modules(for: try #require(try f.sim.inventory()[S.e1000e])).map(\.rawValue) == ["e1000e"])
        #expect(reads.withLock { $0 } == 1, "read once per lookup")
    }

    @Test func aSecondEngineWaitsForTheLockThenTimesOut() throws {
        let f = EngineFixture()
        let held = try f.state.lock(timeout: 1)
        let report = try f.bind([S.e1000e], driver: "vfio-pci") { $0.lockTimeout = 0.2 }
        #expect(report.error?.status == .timedOut)
        #expect(f.sim.writeCount == 0)
        held.release()
    }

    @Test func anInterruptedJournalIsRolledBackBeforeTheNextWrite() throws {
        let f = EngineFixture()
        // What a run killed after its first two writes leaves behind.
        try f.sim.write("bus/pci/devices/\(S.e1000e)/driver_override", "vfio-pci")
        try f.sim.write("bus/pci/drivers/e1000e/unbind", S.e1000e.description)
        try f.state.writeJournal(
            Journal(
                operation: "bind", pid: 999_999, started: 0,
                entries: [
                    .init(
                        address: S.e1000e, identity: try #require(try f.sim.inventory()[S.e1000e]).identity,
                        original: DeviceBinding(driver: DriverName("e1000e"), override: nil), target: nil, moving: true)
                ]))
        let report = f.engine().recover(options: f.options)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
        #expect(f.sim.override(of: S.e1000e) == nil)
        #expect(!f.journalExists)
    }
}
