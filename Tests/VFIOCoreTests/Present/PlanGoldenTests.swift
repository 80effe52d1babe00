import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// `plan` as a table, `plan --explain` and `plan --json`, compared with Golden/plan-*.
///
/// Two planners: the engine fixture's (the standard machine and its modules, with the test variant
/// aliased to the e1000e) and the planner fixture's (every upstream variant, rules, ties).
@Suite struct PlanGoldenTests {
    typealias S = KernelSimulator.Standard

    let engine = EngineFixture()
    let variants = PlannerFixture()

    /// The machine's devices a user would plan: an endpoint with a variant, plain endpoints, a PF
    /// and a bridge (blocked).
    private func machinePlans() throws -> [DevicePlan] {
        let planner = try engine.planner()
        let inventory = try engine.sim.inventory()
        return [S.e1000e, S.edu, S.virtioNet, S.nvme, S.pciBridge, S.rootPorts[0]].map { planner.plan(inventory[$0]!) }
    }

    /// Upstream variants, a tie between two variants, a rule preference and a rule deny.
    private func variantPlans() throws -> [DevicePlan] {
        variants.rule(
            "50-site.toml",
            """
            [[rule]]
            name = "site-prefers-class"
            vendor = "1234"
            device = "5678"
            drivers = ["class_vfio_pci"]

            [[rule]]
            vendor = "15b3"
            deny = ["mlx5_vfio_pci"]
            reason = "mlx5 live migration is not used here"
            """)
        let planner = try variants.planner()
        return [
            PlannerFixture.device(0x15B3, 0x101E, address: "0000:81:00.1", physfn: "0000:81:00.0"),
            PlannerFixture.device(0x1234, 0x9999, address: "0000:82:00.0"),
            PlannerFixture.device(0x1234, 0x5678, class: 0x020002, address: "0000:83:00.0"),
            PlannerFixture.device(0x8086, 0xE211, class: 0x030000, address: "0000:84:00.0", group: nil)
        ].map(planner.plan)
    }

    private func normalised(_ text: String) -> String {
        text.replacing(engine.tree.path, with: "$TMP").replacing(variants.tree.path, with: "$TMP")
    }

    @Test func table() throws {
        let plans = try machinePlans() + variantPlans()
        Golden.check(normalised(PlanText(namer: DeviceNamer(numeric: true)).table(plans)), "plan-table.txt")
    }

    @Test func tableOfNoDevicesIsTheHeaderAlone() {
        Golden.check(PlanText(namer: DeviceNamer(numeric: true)).table([]), "plan-table-empty.txt")
    }

    @Test func explain() throws {
        let plans = try machinePlans() + variantPlans()
        let text = plans.map(PlanText(namer: DeviceNamer(numeric: true)).explain).joined(separator: "\n")
        Golden.check(normalised(text), "plan-explain.txt")
    }

    @Test func json() throws {
        let plans = try machinePlans() + variantPlans()
        var out = ""
        JSONValue.streamDocument("devices", plans, item: PlanJSON.plan, to: { out += $0 })
        Golden.check(normalised(out), "plan.json")
    }
}
