import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// Planning named devices reads the `pci:` aliases of their vendors only (issue 17: one hot-plugged
/// device's `apply --device` or `plan DEVICE` must not cost the whole modules.alias), and plans them
/// exactly as reading every alias does.
@Suite struct ScopedPlanningTests {
    static let tree = FakeSysfs.makeLargeTree(count: 4096)

    /// One device of each vendor and device id of the 4,096-function tree.
    static let samples: [PCIDevice] = {
        var seen: Set<String> = []
        return tree.expectedDevices.filter { seen.insert("\($0.identity.vendor):\($0.identity.device)").inserted }
    }()

    static func hex4(_ value: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// A modules.alias shaped like a real one: a host driver line for every device id of the tree, a
    /// class-wide line (vendor field a wildcard), and 4,096 lines of 256 vendors the tree does not have.
    static let hostLines: [String] = {
        let treeIDs = Set(
            samples.map {
                "v0000\($0.identity.vendor.description.uppercased())d0000\($0.identity.device.description.uppercased())"
            })
        let treeLines = treeIDs.sorted().map { "alias pci:\($0)sv*sd*bc*sc*i* host_\($0.lowercased())" }
        let otherLines = (0..<256).flatMap { vendor in
            (0..<16).map { device in
                "alias pci:v0000\(hex4(0xA000 + vendor))d0000\(hex4(device))sv*sd*bc*sc*i* other_\(vendor)"
            }
        }
        return treeLines + ["alias pci:v*d*sv*sd*bc02sc00i* any_nic"] + otherLines
    }()

    static func fixture() -> PlannerFixture {
        PlannerFixture(extraAliases: hostLines)
    }

    @Test func oneDeviceMaterialisesOnlyTheEntriesOfItsVendor() throws {
        let fixture = Self.fixture()
        let device = try #require(Self.tree.expectedDevices.first { $0.identity.vendor == VendorID(0x8086) })
        let whole = try KernelModuleIndex(modulesDirectory: fixture.modules)
        let scoped = try KernelModuleIndex(modulesDirectory: fixture.modules, scope: .devices([device.modalias]))

        let allLines = PlannerFixture.variantAliases + PlannerFixture.hostAliases + Self.hostLines
        let vendorField = "alias pci:v0000\(device.identity.vendor.description.uppercased())"
        let concerning = allLines.filter {
            $0.hasPrefix("alias vfio_pci:") || $0.hasPrefix("alias pci:v*") || $0.hasPrefix(vendorField)
        }
        #expect(whole.entries.count == allLines.count)
        #expect(scoped.entries.count == concerning.count)
        #expect(scoped.entries.count * 20 < whole.entries.count)
        // Every alias line is still read and counted; the line numbers cited are the file's.
        #expect(scoped.aliasLineCount == whole.aliasLineCount)
        let wholeLines = Set(whole.entries.map(\.line))
        #expect(scoped.entries.allSatisfy { wholeLines.contains($0.line) })
        #expect(scoped.warnings == whole.warnings)
    }

    @Test func namedDevicesArePlannedAsInTheWholeTreePlan() throws {
        let fixture = Self.fixture()
        let wholePlanner = try fixture.planner(shipped: true)
        #expect(Self.samples.count > 5)
        for device in Self.samples {
            let planner = try fixture.planner(shipped: true, scope: .devices([device.modalias]))
            let scopedPlan = planner.plan(device)
            let wholePlan = wholePlanner.plan(device)
            #expect(PlanJSON.plan(scopedPlan) == PlanJSON.plan(wholePlan), "\(device.address)")
            #expect(scopedPlan.hostModules == wholePlan.hostModules, "\(device.address)")
        }
        // The host drivers come from the lines of the device's vendor and the wildcard one.
        let nic = try #require(
            Self.samples.first {
                $0.identity.vendor == VendorID(0x8086) && $0.identity.classCode.classAndSubclass == 0x0200
            })
        let planner = try fixture.planner(scope: .devices([nic.modalias]))
        #expect(planner.plan(nic).hostModules.map(\.rawValue).contains("any_nic"))
        #expect(planner.plan(nic).hostModules.count >= 2)
    }

    @Test func aModaliasWithoutAVendorReadsEverything() {
        #expect(AliasScope.devices([Modalias(unchecked: "pci:v*")]) == .everyDevice)
        #expect(AliasScope.devices([Modalias(unchecked: "pci:v00008086d00001234sv*")]) != .everyDevice)
    }
}
