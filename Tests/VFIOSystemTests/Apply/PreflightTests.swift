import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// The checks made before the first write: which group members move along with `--group`, which
/// groups a move would leave unusable, and which devices a new_id write would catch.
@Suite struct PreflightTests {
    typealias S = KernelSimulator.Standard

    let inventory: DeviceInventory

    init() throws {
        inventory = try KernelSimulator.standard().inventory()
    }

    private func devices(_ addresses: [PCIAddress]) -> [PCIDevice] { addresses.map { inventory[$0]! } }

    // MARK: groupCompanions

    @Test func companionsAreTheOtherEndpointsOfTheGroupNotItsBridge() {
        let companions = Preflight.groupCompanions(of: devices([S.e1000]), in: inventory)
        #expect(companions.map(\.address) == [S.rtl8139])
    }

    @Test func requestedDevicesAreNeverTheirOwnCompanions() {
        #expect(Preflight.groupCompanions(of: devices([S.e1000, S.rtl8139]), in: inventory).isEmpty)
    }

    @Test func aDeviceAloneInItsGroupHasNoCompanions() {
        #expect(Preflight.groupCompanions(of: devices([S.e1000e]), in: inventory).isEmpty)
    }

    @Test func eachCompanionIsListedOnceAcrossGroupsInGroupOrder() {
        // Group 14 (06:00.0 + 06:00.1) and group 9 (LPC, AHCI, SMBus), asked for twice each.
        let companions = Preflight.groupCompanions(
            of: devices([S.multifunctionNet, S.ahci, S.multifunctionNet, S.lpc]),
            in: inventory)
        #expect(companions.map(\.address) == [S.smbus, S.virtioRNG])
    }

    @Test func membersOnPcieportStayWhereTheyAre() throws {
        // A root port put in the same group as the endpoint behind it (an ACS-less platform).
        let sim = KernelSimulator.Builder.standard().updating("0000:00:02.0") { $0.group(10) }.build()
        let inventory = try sim.inventory()
        #expect(inventory.members(of: IOMMUGroup(10)).count == 2)
        #expect(Preflight.groupCompanions(of: [inventory[S.e1000e]!], in: inventory).isEmpty)
    }

    @Test func aDeviceWithoutAGroupHasNoCompanions() throws {
        let sim = KernelSimulator.Builder.standard().updating("0000:05:01.0") { $0.group(nil) }.build()
        let inventory = try sim.inventory()
        #expect(Preflight.groupCompanions(of: [inventory[S.e1000]!], in: inventory).isEmpty)
    }

    // MARK: groupsLeftUnusable

    private func unusable(
        _ targets: [PCIAddress: DriverName?],
        vfioDrivers: VFIODriverSet = VFIODriverSet(loaded: [])
    ) -> [(Int, [PCIAddress])] {
        Preflight.groupsLeftUnusable(targets: targets, inventory: inventory, vfioDrivers: vfioDrivers)
            .map { ($0.0.number, $0.1.map(\.address)) }
    }

    @Test func movingOneMemberToVFIOReportsTheMembersLeftOnHostDrivers() {
        let result = unusable([S.e1000: .vfioPCI])
        #expect(result.count == 1)
        #expect(result.first?.0 == 13)
        #expect(result.first?.1 == [S.rtl8139])
    }

    @Test func movingEveryEndpointToVFIOLeavesTheGroupUsable() {
        #expect(unusable([S.e1000: .vfioPCI, S.rtl8139: .vfioPCI]).isEmpty)
        // pci-stub is as good as VFIO for the members that are not used.
        #expect(unusable([S.e1000: .vfioPCI, S.rtl8139: .pciStub]).isEmpty)
    }

    @Test func aMemberMovedToAHostDriverIsABlockerToo() {
        let result = unusable([S.e1000: .vfioPCI, S.rtl8139: DriverName("8139too")!])
        #expect(result.first?.1 == [S.rtl8139])
    }

    @Test func aMemberUnboundByTheMoveStopsBlocking() {
        // `nil` as the target: the device is left without a driver.
        #expect(unusable([S.e1000: .vfioPCI, S.rtl8139: nil]).isEmpty)
    }

    @Test func groupsNobodyMovesIntoVFIOAreNotJudged() {
        // Unbinding the e1000 leaves the rtl8139 on 8139cp: not a VFIO group, nothing to say.
        #expect(unusable([S.e1000: nil]).isEmpty)
        #expect(unusable([S.e1000: .pciStub]).isEmpty)
    }

    @Test func aDeviceAloneInItsGroupNeverBlocksItself() {
        #expect(unusable([S.e1000e: .vfioPCI]).isEmpty)
    }

    @Test func aLoadedVariantCountsAsVFIO() {
        let variant = DriverName("acme-pt")!
        // Without knowing the variant, moving to it is not a move into VFIO: nothing to judge.
        #expect(unusable([S.e1000: variant]).isEmpty)
        let known = unusable([S.e1000: variant], vfioDrivers: VFIODriverSet(loaded: [variant]))
        #expect(known.first?.1 == [S.rtl8139])
    }

    @Test func severalGroupsAreReportedInGroupOrder() {
        let result = unusable([S.multifunctionNet: .vfioPCI, S.ahci: .vfioPCI, S.e1000: .vfioPCI])
        #expect(result.map(\.0) == [9, 13, 14])
        #expect(result.map(\.1) == [[S.lpc, S.smbus], [S.rtl8139], [S.virtioRNG]])
    }

    // MARK: newIDCollateral

    @Test func newIDCatchesOtherUnboundDevicesWithTheSameIds() throws {
        // Three unbound functions with the edu's ids; two of them are not part of the request.
        let sim = KernelSimulator.Builder.standard()
            .adding(KernelSimulator.DeviceSpec("0000:07:00.0", 0x1234, 0x11E8, class: 0x00FF00).group(20))
            .adding(KernelSimulator.DeviceSpec("0000:08:00.0", 0x1234, 0x11E8, class: 0x00FF00).group(21))
            .adding(
                KernelSimulator.DeviceSpec("0000:09:00.0", 0x1234, 0x11E8, class: 0x00FF00).group(22).driver("e1000")
            )
            .build()
        let inventory = try sim.inventory()
        let edu = inventory[S.edu]!
        let collateral = Preflight.newIDCollateral(for: edu, requested: [S.edu], inventory: inventory)
        // The bound one (09:00.0) is not caught: new_id only probes unbound devices.
        #expect(collateral.map(\.address.description) == ["0000:07:00.0", "0000:08:00.0"])
        let requested: Set<PCIAddress> = [S.edu, PCIAddress("0000:07:00.0")!]
        #expect(
            Preflight.newIDCollateral(for: edu, requested: requested, inventory: inventory)
                .map(\.address.description) == ["0000:08:00.0"])
    }

    @Test func newIDCollateralNeedsTheSameVendorAndDevice() {
        // The two virtio-net functions are bound; no other 8086:10d3 exists.
        #expect(
            Preflight.newIDCollateral(for: inventory[S.e1000e]!, requested: [S.e1000e], inventory: inventory).isEmpty)
        #expect(
            Preflight.newIDCollateral(for: inventory[S.virtioNet]!, requested: [S.virtioNet], inventory: inventory)
                .isEmpty)
    }
}
