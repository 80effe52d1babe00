#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// Makes each sysfs write of an operation fail in turn (every errno the kernel really returns there)
/// and checks that every run ends with every device in its target state or its original state, with
/// no journal left behind and records that match the kernel.
@Suite struct FaultInjectionTests {
    typealias S = KernelSimulator.Standard
    typealias Operation = (EngineFixture) throws -> OperationReport

    struct Scenario: Sendable, CustomStringConvertible {
        var name: String
        var devices: [PCIAddress]
        /// Drivers that count as "target reached".
        var targets: Set<String>
        /// new_id binds without driver_override.
        var overrideAtTarget = true
        var description: String { name }
    }

    static let errnos: [Int32] = [EIO, ENODEV, EBUSY, EINVAL, EEXIST]

    func run(
        _ scenario: Scenario, prepare: (EngineFixture) throws -> Void = { _ in },
        operation: @escaping Operation
    ) throws {
        // A clean run tells how many writes the operation makes.
        let clean = EngineFixture()
        try prepare(clean)
        let before = clean.sim.writeCount
        let report = try operation(clean)
        #expect(report.error == nil, "clean run of \(scenario): \(report.error?.description ?? "")")
        let writes = clean.sim.writeCount - before
        #expect(writes > 0)

        for n in 1...writes {
            for errno in Self.errnos {
                let f = EngineFixture()
                try prepare(f)
                let original = f.sim.state()
                f.sim.failWrite(at: f.sim.writeCount + n, errno: errno)
                let result = try operation(f)
                let now = f.sim.state()
                let managed = Set(try f.state.readManaged().map(\.address))
                for address in scenario.devices {
                    let was = original[address]!, isNow = now[address]!
                    let atOriginal = was.driver == isNow.driver && was.override == isNow.override
                    let atTarget =
                        isNow.driver.map { scenario.targets.contains($0.rawValue) } ?? false
                        && (scenario.overrideAtTarget ? isNow.override == isNow.driver : isNow.override == was.override)
                    #expect(
                        atOriginal || atTarget,
                        "\(scenario), write \(n) failing with \(errnoName(errno)): \(address) ended on \(isNow.driver?.rawValue ?? "nothing") override \(isNow.override?.rawValue ?? "none") (was \(was.driver?.rawValue ?? "nothing"))"
                    )
                    if result.error != nil {
                        #expect(
                            atOriginal, "\(scenario), write \(n) \(errnoName(errno)): failed run left \(address) moved")
                    }
                    if !scenario.targets.contains("e1000e") {
                        // A device vfioctl moved is recorded; one left where it was is not.
                        #expect(
                            managed.contains(address) == !atOriginal,
                            "\(scenario), write \(n): record for \(address) disagrees with the kernel")
                    }
                }
                #expect(!f.journalExists, "\(scenario), write \(n): journal left behind")
            }
        }
    }

    @Test func bindThroughTheChain() throws {
        try run(Scenario(name: "bind e1000e via plan", devices: [S.e1000e], targets: ["test-vfio-pci", "vfio-pci"])) {
            try $0.bind([S.e1000e])
        }
    }

    @Test func bindAGroupAsOneTransaction() throws {
        try run(Scenario(name: "bind the bridge group", devices: [S.e1000, S.rtl8139], targets: ["vfio-pci"])) {
            try $0.bind([S.e1000], driver: "vfio-pci") { $0.group = true }
        }
    }

    @Test func bindWithNewID() throws {
        try run(Scenario(name: "new_id edu", devices: [S.edu], targets: ["vfio-pci"], overrideAtTarget: false)) {
            let report = try $0.bind([S.edu], driver: "vfio-pci") { $0.method = .newID }
            // Whatever happened, no dynamic id stays behind silently.
            if !$0.sim.dynamicIDs(of: DriverName("vfio-pci")!).isEmpty {
                #expect(report.checks.contains { $0.contains("could not remove the dynamic id") })
            }
            return report
        }
    }

    @Test func unbindBackToTheHostDriver() throws {
        try run(
            Scenario(name: "unbind e1000e", devices: [S.e1000e], targets: ["e1000e"]),
            prepare: { f in
                let report = try f.bind([S.e1000e], driver: "vfio-pci")
                #expect(report.error == nil)
            }
        ) {
            try $0.unbind([S.e1000e])
        }
    }
}
