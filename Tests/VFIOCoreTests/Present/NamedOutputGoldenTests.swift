import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// The renderers with names (what users see without --numeric), from a fixed name table instead of
/// the host's pci.ids: the description column, `show`'s named lines, `--explain`'s header and the
/// JSON name fields, including the fallback wording for ids the table does not know.
@Suite struct NamedOutputGoldenTests {
    typealias S = KernelSimulator.Standard

    let fixture: PresentFixture
    let namer = DeviceNamer(numeric: false) { FixedNames() }

    init() throws { fixture = try PresentFixture() }

    @Test func listTableWithDescriptions() {
        var out = ""
        DeviceText(namer: namer, vfioDrivers: fixture.vfioDrivers).list(fixture.inventory.devices) { out += $0 }
        Golden.check(out, "named-list.txt")
    }

    @Test func treeWithNames() {
        Golden.check(
            DeviceText(namer: namer, vfioDrivers: fixture.vfioDrivers).tree(fixture.inventory), "named-tree.txt")
    }

    @Test func showWithNames() {
        let text = DeviceText(namer: namer, vfioDrivers: fixture.vfioDrivers)
        Golden.check(
            text.show(fixture.inventory[S.e1000e]!, inventory: fixture.inventory)
                + text.show(fixture.inventory[S.edu]!, inventory: fixture.inventory), "named-show.txt")
    }

    @Test func deviceJSONWithNames() {
        let devices = [S.e1000e, S.edu].map { DeviceJSON.device(fixture.inventory[$0]!, namer: namer) }
        Golden.check(JSONValue.document("devices", .array(devices)).rendered(), "named-devices.json")
    }
}
