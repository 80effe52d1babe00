import TestSupport
import Testing
@testable import VFIOCore

@Suite struct DriverPlannerTests {
    /// Every variant of the notes is chosen for its own ids; everything else gets vfio-pci.
    @Test(arguments: [
        (UInt16(0x15b3), UInt16(0x101e), "mlx5_vfio_pci"),
        (0x19e5, 0xa256, "hisi_acc_vfio_pci"),
        (0x19e5, 0xa259, "hisi_acc_vfio_pci"),
        (0x19e5, 0xa251, "hisi_acc_vfio_pci"),
        (0x1dd8, 0x1003, "pds_vfio_pci"),
        (0x1af4, 0x1041, "virtio_vfio_pci"),
        (0x1af4, 0x1042, "virtio_vfio_pci"),
        (0x10de, 0x2342, "nvgrace_gpu_vfio_pci"),
        (0x10de, 0x31c2, "nvgrace_gpu_vfio_pci"),
        (0x8086, 0xe211, "xe_vfio_pci"),
        (0x1014, 0x04ed, "ism_vfio_pci"),
        (0x8086, 0x10d3, "vfio_pci"),
        (0x1af4, 0x1043, "vfio_pci")
    ])
    func choosesTheVariantForItsIDs(vendor: UInt16, device: UInt16, module: String) throws {
        let fixture = PlannerFixture()
        let plan = try fixture.planner().plan(PlannerFixture.device(vendor, device))
        #expect(plan.chosen?.module.rawValue == module)
        #expect(plan.chain.last?.module.rawValue == "vfio_pci")
        #expect(!plan.ambiguous)
    }

    @Test func predictsDriverNamesUntilLoaded() throws {
        let plan = try PlannerFixture().planner().plan(PlannerFixture.device(0x8086, 0xe211))
        #expect(plan.chosen?.driver.rawValue == "xe-vfio-pci")
        #expect(plan.chosen?.driverNameConfirmed == false)
        #expect(plan.chain.last?.driver.rawValue == "vfio-pci")
    }

    @Test func hostDriverCandidatesComeFromPCIAliases() throws {
        let plan = try PlannerFixture().planner().plan(PlannerFixture.device(0x15b3, 0x101e))
        #expect(plan.hostModules.map(\.rawValue) == ["mlx5_core"])
    }

    @Test func qatVariantOnlyForVirtualFunctions() throws {
        let fixture = PlannerFixture()
        let planner = try fixture.planner(shipped: true)
        let vf = planner.plan(PlannerFixture.device(0x8086, 0x4941, physfn: "0000:01:00.0"))
        #expect(vf.chosen?.module.rawValue == "qat_vfio_pci")
        let plain = planner.plan(PlannerFixture.device(0x8086, 0x4941))
        #expect(plain.chosen?.module.rawValue == "vfio_pci")
        let skipped = try #require(plain.chain.first { $0.module.rawValue == "qat_vfio_pci" })
        #expect(!skipped.available)
        #expect(skipped.reason.contains("60-variant-constraints.toml:"))
        #expect(skipped.reason.contains("refuses functions that are not SR-IOV VFs"))
    }

    @Test func pinnedInterfaceOutranksClassOnly() throws {
        let planner = try PlannerFixture().planner()
        let withInterface = planner.plan(PlannerFixture.device(0x1234, 0x5678, class: 0x020002))
        #expect(withInterface.chain.map(\.module.rawValue) == ["iface_vfio_pci", "class_vfio_pci", "vfio_pci"])
        let otherInterface = planner.plan(PlannerFixture.device(0x1234, 0x5678, class: 0x020003))
        #expect(otherInterface.chain.map(\.module.rawValue) == ["class_vfio_pci", "vfio_pci"])
        #expect(!withInterface.ambiguous)
    }

    @Test func tieBetweenTwoVariantsIsAmbiguous() throws {
        let plan = try PlannerFixture().planner().plan(PlannerFixture.device(0x1234, 0x9999))
        #expect(plan.ambiguous)
        #expect(plan.chosen?.module.rawValue == "tie_a_vfio_pci")  // deterministic: earlier alias line
        #expect(plan.ambiguity?.contains("tie_b_vfio_pci") == true)
    }

    @Test func denyRuleFallsBackToVFIOPCIWithFileAndLine() throws {
        let fixture = PlannerFixture()
        let file = fixture.rule(
            "50-virtio.toml", "# no variant for virtio-net\n[[rule]]\nvendor = \"1af4\"\ndeny = [\"virtio_vfio_pci\"]\n"
        )
        let plan = try fixture.planner().plan(PlannerFixture.device(0x1af4, 0x1041))
        #expect(plan.chosen?.module.rawValue == "vfio_pci")
        #expect(plan.chain.first?.reason == "denied by \(file):2")
    }

    /// `deny = ["vfio-pci"]` denies the generic fallback too: nothing is chosen, and the plan says why.
    @Test func denyingVFIOPCIChoosesNothingAndSaysWhy() throws {
        let fixture = PlannerFixture()
        let file = fixture.rule(
            "50-no-vfio.toml",
            "[[rule]]\nvendor = \"1af4\"\ndeny = [\"vfio-pci\", \"virtio_vfio_pci\"]\nreason = \"host only\"\n")
        let plan = try fixture.planner().plan(PlannerFixture.device(0x1af4, 0x1041))
        #expect(plan.chosen == nil)
        let generic = try #require(plan.chain.first { $0.module.rawValue == "vfio_pci" })
        #expect(!generic.available)
        #expect(generic.reason == "denied by \(file):1: host only")
        #expect(generic.deniedBy?.line == 1)
        #expect(plan.summary.contains("vfio_pci (denied by \(file):1: host only)"), "\(plan.summary)")
    }

    /// A rule ranked above the deny may still name the driver (the deny removes it below itself).
    @Test func aHigherRuleNamingADeniedDriverKeepsIt() throws {
        let fixture = PlannerFixture()
        fixture.rule("10-deny.toml", "[[rule]]\nvendor = \"1af4\"\ndeny = [\"vfio_pci\"]\n")
        fixture.rule("20-allow.toml", "[[rule]]\nvendor = \"1af4\"\ndevice = \"1041\"\ndrivers = [\"vfio-pci\"]\n")
        let plan = try fixture.planner().plan(PlannerFixture.device(0x1af4, 0x1041))
        #expect(plan.chosen?.module.rawValue == "vfio_pci")
    }

    @Test func ruleDriversOutrankKernelAliasesAndPriorityOutranksSpecificity() throws {
        let fixture = PlannerFixture()
        fixture.rule(
            "10-specific.toml", "[[rule]]\nvendor = \"15b3\"\ndevice = \"101e\"\ndrivers = [\"pds_vfio_pci\"]\n")
        fixture.rule("20-broad.toml", "[[rule]]\nvendor = \"15b3\"\npriority = 10\ndrivers = [\"hisi_acc_vfio_pci\"]\n")
        let plan = try fixture.planner().plan(PlannerFixture.device(0x15b3, 0x101e))
        #expect(plan.chain.map(\.module.rawValue) == ["hisi_acc_vfio_pci", "pds_vfio_pci", "mlx5_vfio_pci", "vfio_pci"])
        #expect(plan.chain[0].source.kind == "rule")
        #expect(plan.chain[2].source.kind == "kernel_alias")
        #expect(plan.chain[3].source == .fallback)
    }

    @Test func equalRulesNamingDifferentDriversAreAmbiguous() throws {
        let fixture = PlannerFixture()
        fixture.rule("10-a.toml", "[[rule]]\nvendor = \"8086\"\ndrivers = [\"pds_vfio_pci\"]\n")
        fixture.rule("20-b.toml", "[[rule]]\nvendor = \"8086\"\ndrivers = [\"mlx5_vfio_pci\"]\n")
        let plan = try fixture.planner().plan(PlannerFixture.device(0x8086, 0x10d3))
        #expect(plan.ambiguous)
        #expect(plan.chosen?.module.rawValue == "pds_vfio_pci")
    }

    @Test func fallbackFalseEndsTheChain() throws {
        let fixture = PlannerFixture()
        fixture.rule(
            "10-stub.toml",
            "[[rule]]\nvendor = \"8086\"\ndevice = \"10d3\"\ndrivers = [\"pci-stub\"]\nfallback = false\n")
        let plan = try fixture.planner().plan(PlannerFixture.device(0x8086, 0x10d3))
        #expect(plan.chain.map(\.module.rawValue) == ["pci_stub"])
        #expect(plan.chosen == nil)  // pci_stub is not built in this fixture kernel
        #expect(plan.chain[0].reason == "not built for kernel 6.12.0-test")
    }

    @Test func unavailableCandidatesCarryReasons() throws {
        let fixture = PlannerFixture(absent: ["mlx5_vfio_pci"])
        fixture.blacklist("blacklist pds_vfio_pci\n")
        let planner = try fixture.planner()
        let mlx = planner.plan(PlannerFixture.device(0x15b3, 0x101e))
        #expect(mlx.chain[0].reason == "not built for kernel 6.12.0-test")
        #expect(mlx.chosen?.module.rawValue == "vfio_pci")
        let pds = planner.plan(PlannerFixture.device(0x1dd8, 0x1003))
        #expect(pds.chain[0].reason.hasPrefix("blacklisted at \(fixture.tree.path)/modprobe.d/test.conf:1"))
        #expect(pds.summary.contains("after skipping pds_vfio_pci"))
    }

    @Test func shippedIGDRuleUsesThePlatformVariantOnlyWhenItExists() throws {
        let igd = PlannerFixture.device(0x8086, 0x3e92, class: 0x030000, address: "0000:00:02.0")
        let without = try PlannerFixture().planner(shipped: true).plan(igd)
        #expect(without.chain.map(\.module.rawValue) == ["vfio_pci_igd", "vfio_pci"])
        #expect(without.chosen?.module.rawValue == "vfio_pci")
        #expect(without.chain[0].reason.contains("not built"))

        let fixture = PlannerFixture(builtin: ["vfio/pci/vfio-pci-igd"])
        let with = try fixture.planner(shipped: true).plan(igd)
        #expect(with.chosen?.module.rawValue == "vfio_pci_igd")
        #expect(with.chosen?.reason == "built into the kernel")

        let discrete = try fixture.planner(shipped: true).plan(
            PlannerFixture.device(0x8086, 0x56a0, class: 0x030000, address: "0000:03:00.0"))
        #expect(discrete.chosen?.module.rawValue == "vfio_pci")
    }

    @Test func shippedZPCIRuleAppliesOnlyOnS390() throws {
        let fixture = PlannerFixture()
        let device = PlannerFixture.device(0x1014, 0x044b)
        #expect(
            try fixture.planner(shipped: true, arch: "s390x").plan(device).chain.first?.module.rawValue == "vfio_zpci")
        #expect(
            try fixture.planner(shipped: true, arch: "x86_64").plan(device).chain.first?.module.rawValue == "vfio_pci")
    }

    @Test func bridgesAndGrouplessDevicesAreBlocked() throws {
        let planner = try PlannerFixture().planner()
        let bridge = planner.plan(PlannerFixture.device(0x8086, 0xa33c, class: 0x060400))
        #expect(bridge.chosen == nil)
        #expect(bridge.blocked?.contains("bridge") == true)
        let noGroup = planner.plan(PlannerFixture.device(0x8086, 0x10d3, group: nil))
        #expect(noGroup.chosen == nil)
        #expect(noGroup.blocked?.contains("no IOMMU group") == true)
    }

    @Test func explicitDriverChain() throws {
        let chain = try PlannerFixture().planner().explicitChain("vfio-pci")
        #expect(chain.map(\.module.rawValue) == ["vfio_pci"])
        #expect(chain.first?.source == .commandLine)
    }
}
