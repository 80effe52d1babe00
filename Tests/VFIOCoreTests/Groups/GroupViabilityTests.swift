import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Whether VFIO can use an IOMMU group, judged from its members' drivers, and which driver names
/// count as VFIO drivers.
@Suite struct GroupViabilityTests {
    typealias S = KernelSimulator.Standard

    private func viability(
        of group: Int, in sim: KernelSimulator, vfioDrivers: VFIODriverSet? = nil
    ) throws -> GroupViability {
        let inventory = try sim.inventory()
        let group = IOMMUGroup(group)
        return GroupViability(
            group: group, members: inventory.members(of: group),
            vfioDrivers: vfioDrivers ?? VFIODriverSet(sysfs: sim))
    }

    // MARK: GroupViability

    @Test func everyHostDriverInTheGroupIsABlockerInMemberOrder() throws {
        // Group 13: the PCI bridge (no driver), the e1000 and the rtl8139 behind it.
        let verdict = try viability(of: 13, in: .standard())
        #expect(!verdict.isViable)
        #expect(verdict.members.map(\.address) == [S.pciBridge, S.e1000, S.rtl8139])
        #expect(verdict.blockers.map(\.address) == [S.e1000, S.rtl8139])
        #expect(verdict.blockers.map(\.driver.rawValue) == ["e1000", "8139cp"])
        #expect(verdict.verdict == "not viable: blocked by 0000:05:01.0 (e1000), 0000:05:02.0 (8139cp)")
    }

    @Test func aGroupOfUnboundMembersIsViable() throws {
        let verdict = try viability(of: 8, in: .standard())
        #expect(verdict.isViable)
        #expect(verdict.blockers.isEmpty)
        #expect(verdict.verdict == "viable")
    }

    @Test func aRootPortOnPcieportDoesNotBlockItsGroup() throws {
        let verdict = try viability(of: 1, in: .standard())
        #expect(verdict.members.map(\.driver) == [.pcieport])
        #expect(verdict.isViable)
    }

    @Test func aSingleHostDriverBlocksEvenWhenTheOthersAreOnVFIO() throws {
        let sim = KernelSimulator.Builder.standard()
            .updating("0000:05:01.0") { $0.driver(DriverName.vfioPCI).driverOverride("vfio-pci") }
            .updating("0000:05:02.0") { $0.driver(DriverName.pciStub) }
            .loading("vfio_pci").loading("pci_stub")
            .build()
        #expect(try viability(of: 13, in: sim).isViable)

        let oneLeft = KernelSimulator.Builder.standard()
            .updating("0000:05:01.0") { $0.driver(DriverName.vfioPCI).driverOverride("vfio-pci") }
            .loading("vfio_pci")
            .build()
        let verdict = try viability(of: 13, in: oneLeft)
        #expect(verdict.blockers.map(\.address) == [S.rtl8139])
        #expect(verdict.verdict == "not viable: blocked by 0000:05:02.0 (8139cp)")
    }

    @Test func aGroupWithoutMembersIsViable() {
        let verdict = GroupViability(group: IOMMUGroup(42), members: [], vfioDrivers: VFIODriverSet(loaded: []))
        #expect(verdict.isViable)
        #expect(verdict.verdict == "viable")
    }

    // MARK: VFIODriverSet

    /// A variant whose name does not say "vfio": only the kernel's module holders reveal it.
    private static let quietVariant = KernelSimulator.ModuleSpec.vfioVariant(
        "acme_pt", driver: "acme-pt", ids: [(0x8086, 0x100E)])

    @Test func aHostDriverInAGroupWithALoadedQuietVariantStillBlocks() throws {
        let sim = KernelSimulator.Builder.standard()
            .adding(Self.quietVariant, loaded: true)
            .updating("0000:05:01.0") { $0.driver("acme-pt").driverOverride("acme-pt") }
            .build()
        let verdict = try viability(of: 13, in: sim)
        #expect(verdict.blockers.map(\.address) == [S.rtl8139])
        // The same group judged without the kernel's holders: the variant blocks too.
        let unaware = try viability(of: 13, in: sim, vfioDrivers: VFIODriverSet(loaded: []))
        #expect(unaware.blockers.map(\.driver.rawValue) == ["acme-pt", "8139cp"])
    }

    @Test func vfioPciIsAlwaysAVFIODriver() {
        #expect(VFIODriverSet(loaded: []).loaded == [.vfioPCI])
        #expect(VFIODriverSet(loaded: []).isVFIO(.vfioPCI))
    }

    @Test func stubAndPortDriversAreHarmlessButNotVFIO() {
        let drivers = VFIODriverSet(loaded: [])
        for name in [DriverName.pciStub, .pcieport] {
            #expect(!drivers.isVFIO(name))
            #expect(drivers.isHarmlessForVFIO(name))
        }
        for host in ["e1000e", "nvme", "ahci", "amdgpu", "virtio-pci"] {
            #expect(!drivers.isHarmlessForVFIO(DriverName(host)!), "\(host)")
        }
    }
}
