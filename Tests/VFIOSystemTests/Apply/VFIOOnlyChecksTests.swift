#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// The IOMMU-group checks (no-iommu-group, group-not-viable) and the /dev/vfio wait concern VFIO
/// drivers only: pci-stub and host drivers need no IOMMU.
@Suite struct VFIOOnlyChecksTests {
    typealias S = KernelSimulator.Standard

    /// The standard machine with the IOMMU off for the e1000e (no group).
    static func withoutGroup() -> EngineFixture {
        EngineFixture(KernelSimulator.Builder.standard().updating(S.e1000e.description) { $0.group(nil) }.build())
    }

    @Test func pciStubNeedsNoIOMMUGroup() throws {
        let f = Self.withoutGroup()
        let report = try f.bind([S.e1000e], driver: "pci-stub")
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "pci-stub")
        #expect(report.devices.first?.status == .changed)
        #expect(report.devices.first?.deviceNode == nil)
        #expect(try f.unbind([S.e1000e]).error == nil)
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "e1000e")
    }

    @Test func vfioPCIStillNeedsAGroup() throws {
        let f = Self.withoutGroup()
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error?.status == .refused)
        #expect(report.error?.message.contains("--force no-iommu-group") == true, "\(report.error?.message ?? "")")
        #expect(f.sim.writeCount == 0)
    }

    /// A chain with VFIO drivers and pci-stub: without a group only pci-stub is tried.
    @Test func aMixedChainSkipsItsVFIODriversWithoutAGroup() throws {
        let f = Self.withoutGroup()
        let inventory = try f.sim.inventory()
        let planner = try f.planner()
        let device = inventory[S.e1000e]!
        let chain = planner.explicitChain("vfio-pci") + planner.explicitChain("pci-stub")
        let report = f.engine().bind(
            [
                BindEngine.Request(
                    device: device, chain: chain,
                    blocked: DriverPlanner.blocker(
                        for: device, platform: Platform(architecture: "x86_64", kernelVersion: "6.1.0-sim")))
            ],
            inventory: inventory, companions: { BindEngine.Request(device: $0, chain: []) },
            options: f.options)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "pci-stub")
        #expect(report.devices.first?.attempts.map(\.driver.rawValue) == ["pci-stub"])
    }

    /// pci-stub on one member of a group leaves the others on host drivers: no VFIO, no group check.
    @Test func pciStubIgnoresGroupViability() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000], driver: "pci-stub")
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000)?.rawValue == "pci-stub")
    }

    /// `apply` checks the group for a named VFIO driver before any write, not for pci-stub.
    @Test func applyRefusesANamedVFIODriverWithoutAGroupButNotPCIStub() throws {
        let f = Self.withoutGroup()
        let reconciler = Reconciler(
            engine: f.engine(),
            makePlanner: { (_: [PCIDevice]) throws(VFIOError) -> DriverPlanner in
                do { return try f.planner() } catch { throw VFIOError(.failed, "\(error)") }
            },
            enumerate: { () throws(VFIOError) in try f.sim.inventory() })
        func state(_ wanted: String) throws -> DesiredState {
            try DesiredState.parse(
                "[[device]]\naddress = \"\(S.e1000e)\"\nvendor = \"8086\"\ndevice = \"10d3\"\n\(wanted)\n",
                file: "state.toml")
        }
        let vfio = reconciler.run(try state("driver = \"vfio-pci\""), options: f.options)
        #expect(vfio.error?.status == .refused, "\(vfio.error?.description ?? "no error")")
        #expect(f.sim.writeCount == 0)

        let stub = reconciler.run(try state("state = \"stub\""), options: f.options)
        #expect(stub.error == nil, "\(stub.error?.description ?? "")")
        #expect(f.sim.driver(of: S.e1000e)?.rawValue == "pci-stub")
    }
}
