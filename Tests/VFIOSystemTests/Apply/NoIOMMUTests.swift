import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// `--noiommu`: binding a device without an IOMMU group through VFIO's no-IOMMU mode. The positive
/// path runs here (Debian's kernels lack CONFIG_VFIO_NOIOMMU); the refusal also on the real kernel
/// (integration/vm/guest/60-nodes-reset.sh).
@Suite struct NoIOMMUTests {
    typealias S = KernelSimulator.Standard

    /// The edu without an IOMMU group (as on a host with the IOMMU off).
    static func groupless(noIOMMUMode: Bool) -> KernelSimulator {
        var builder = KernelSimulator.Builder.standard().updating("0000:00:05.0") { $0.group(nil) }
        if noIOMMUMode { builder = builder.withNoIOMMUMode() }
        return builder.build()
    }

    @Test func bindsAGrouplessDeviceInNoIOMMUModeAndSaysHowUnsafe() throws {
        let f = EngineFixture(Self.groupless(noIOMMUMode: true))
        let report = try f.bind([S.edu], driver: "vfio-pci") { $0.noIOMMU = true }
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        let result = try #require(report.devices.first)
        #expect(result.status == .changed)
        #expect(try f.sim.read(NoIOMMUMode.parameter) == "Y")
        let group = try #require(result.group, "vfio gave the device a group of its own")
        #expect(f.sim.group(of: S.edu) == group)
        #expect(result.nodes.all == ["/dev/vfio/noiommu-\(group)", "/dev/vfio/vfio"])
        #expect(
            report.checks.contains { $0.hasPrefix("warning: VFIO no-IOMMU mode") && $0.contains("ANY host memory") })
        #expect(
            report.checks.contains {
                $0.contains("wrote \"1\" > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode")
            })

        let back = try f.unbind([S.edu])
        #expect(back.error == nil)
        #expect(f.sim.driver(of: S.edu) == nil)
        #expect(f.sim.group(of: S.edu) == nil, "the no-IOMMU group goes with the VFIO device")
        #expect(!f.sim.deviceNodeExists("/dev/vfio/noiommu-\(group)"))
    }

    @Test func aDryRunWritesNothing() throws {
        let f = EngineFixture(Self.groupless(noIOMMUMode: true))
        try f.sim.loadModule(ModuleName("vfio")!)
        let before = f.sim.writeCount
        let report = try f.bind([S.edu], driver: "vfio-pci") {
            $0.noIOMMU = true; $0.dryRun = true
        }
        #expect(report.error == nil)
        #expect(report.devices.first?.status == .planned)
        #expect(
            report.checks.contains {
                $0.contains("would write \"1\" > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode")
            })
        #expect(f.sim.writeCount == before)
        #expect(try f.sim.read(NoIOMMUMode.parameter) == "N")
    }

    @Test func aKernelWithoutTheModeRefusesWithNotFound() throws {
        let f = EngineFixture(Self.groupless(noIOMMUMode: false))
        let before = f.sim.writeCount
        let report = try f.bind([S.edu], driver: "vfio-pci") { $0.noIOMMU = true }
        let error = try #require(report.error)
        #expect(error.status == .notFound)
        #expect(
            error.message.contains("no VFIO no-IOMMU mode") && error.message.contains("CONFIG_VFIO_NOIOMMU"), "\(error)"
        )
        #expect(f.sim.writeCount == before)
        #expect(f.sim.driver(of: S.edu) == nil)
    }

    @Test func withoutTheFlagAGrouplessDeviceIsRefusedWithThePlatformsFix() throws {
        let f = EngineFixture(Self.groupless(noIOMMUMode: true))
        let report = try f.bind([S.edu], driver: "vfio-pci")
        let error = try #require(report.error)
        #expect(error.status == .refused)
        #expect(error.message.contains("intel_iommu=on (Intel VT-d) or amd_iommu=on (AMD-Vi)"), "\(error)")
        #expect((try? f.sim.read(NoIOMMUMode.parameter)) != "Y", "the mode is turned on only when asked for")
    }

    @Test func theFixDependsOnThePlatform() {
        #expect(Platform(architecture: "x86_64", kernelVersion: "6.1").iommuFix.contains("intel_iommu=on"))
        #expect(Platform(architecture: "aarch64", kernelVersion: "6.1").iommuFix.contains("SMMU"))
        let vm = Platform(architecture: "x86_64", kernelVersion: "6.1", virtualMachine: true).iommuFix
        #expect(vm.contains("virtual IOMMU") && vm.contains("--noiommu"))
        #expect(Platform(architecture: "riscv64", kernelVersion: "6.1").iommuFix.contains("firmware"))
    }

    @Test func theStateKeyParsesAndGoesWithVFIOOnly() throws {
        let state = try DesiredState.parse(
            """
            [[device]]
            address = "0000:00:05.0"
            vendor = "1234"
            device = "11e8"
            state = "vfio"
            noiommu = true
            """, file: "s.toml")
        #expect(state.entries.first?.noIOMMU == true)
        #expect(
            try DesiredState.parse("[[device]]\nids = \"1234:11e8\"\nstate = \"vfio\"\n", file: "s.toml").entries.first?
                .noIOMMU == false)
        for wrong in ["noiommu = true\nstate = \"host\"", "noiommu = \"yes\"\nstate = \"vfio\""] {
            #expect(throws: VFIOError.self) {
                try DesiredState.parse("[[device]]\nids = \"1234:11e8\"\n" + wrong + "\n", file: "s.toml")
            }
        }
    }

    @Test func theStateKeyBindsThroughTheMode() throws {
        let f = EngineFixture(Self.groupless(noIOMMUMode: true))
        let inventory = try f.sim.inventory()
        let planner = try f.planner()
        let edu = try #require(inventory[S.edu])
        var request = BindEngine.Request(
            device: edu, chain: planner.explicitChain("vfio-pci"), blocked: planner.plan(edu).blocked)
        let refused = f.engine().bind(
            [request], inventory: inventory, companions: { BindEngine.Request(device: $0, chain: []) },
            options: f.options)
        #expect(refused.error?.status == .refused)
        request.noIOMMU = true
        let report = f.engine().bind(
            [request], inventory: inventory, companions: { BindEngine.Request(device: $0, chain: []) },
            options: f.options)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(f.sim.driver(of: S.edu)?.rawValue == "vfio-pci")
    }
}
