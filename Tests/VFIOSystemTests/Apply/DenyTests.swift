#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// A rule that denies every candidate (vfio-pci included) makes bind refuse with exit 3 and the
/// rule's FILE:LINE, changing nothing; an explicit --driver is the user's own choice.
@Suite struct DenyTests {
    typealias S = KernelSimulator.Standard

    func planner(_ f: EngineFixture) throws -> DriverPlanner {
        let rules = try RuleFile.parse(
            "[[rule]]\nvendor = \"1af4\"\ndeny = [\"vfio-pci\"]\nreason = \"the host keeps virtio\"\n",
            file: "/etc/vfioctl/rules.d/50-virtio.toml", precedence: .administrator)
        let plain = try f.planner()
        return DriverPlanner(
            kernel: plain.kernel, modprobe: plain.modprobe, loaded: plain.loaded,
            rules: RuleSet(rules: rules), platform: plain.platform)
    }

    @Test func bindRefusesWhenTheRuleDeniesEveryDriver() throws {
        let f = EngineFixture()
        let planner = try planner(f)
        let inventory = try f.sim.inventory()
        let request = { (device: PCIDevice) -> BindEngine.Request in
            let plan = planner.plan(device)
            return BindEngine.Request(device: device, chain: plan.chain, blocked: plan.blocked)
        }
        let report = f.engine().bind(
            [request(inventory[S.virtioNet]!)], inventory: inventory, companions: request, options: f.options)
        #expect(report.error?.status == .refused)
        #expect(
            report.error?.message.contains("denied by /etc/vfioctl/rules.d/50-virtio.toml:1: the host keeps virtio")
                == true,
            "\(report.error?.message ?? "")")
        #expect(f.sim.writeCount == 0)
        #expect(f.sim.driver(of: S.virtioNet)?.rawValue == "virtio-pci")

        // Naming the driver is the user's own choice.
        let explicit = f.engine().bind(
            [BindEngine.Request(device: inventory[S.virtioNet]!, chain: planner.explicitChain("vfio-pci"))],
            inventory: inventory, companions: request, options: f.options)
        #expect(explicit.error == nil, "\(explicit.error?.description ?? "")")
        #expect(f.sim.driver(of: S.virtioNet)?.rawValue == "vfio-pci")
    }
}
