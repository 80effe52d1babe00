import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// The device and group JSON (docs/json-schema.md), compared with Golden/device-*.json.
@Suite struct DeviceJSONGoldenTests {
    typealias S = KernelSimulator.Standard

    let fixture: PresentFixture

    init() throws { fixture = try PresentFixture() }

    /// `list --json`: the streamed document of every device.
    @Test func listDocument() {
        var out = ""
        JSONValue.streamDocument(
            "devices", fixture.inventory.devices, item: { DeviceJSON.device($0, namer: fixture.namer) },
            to: { out += $0 })
        Golden.check(out, "device-list.json")
    }

    @Test func deviceWithSRIOVAndHostUse() {
        let devices = [S.e1000e, S.nvme, S.nvmeVF(0)].map {
            DeviceJSON.device(fixture.inventory[$0]!, namer: fixture.namer)
        }
        Golden.check(JSONValue.document("devices", .array(devices)).rendered(), "device-selected.json")
    }

    @Test func deviceWithEveryOptionalFieldInItsOtherState() {
        Golden.check(DeviceJSON.device(PresentFixture.oddDevice, namer: fixture.namer).rendered(), "device-odd.json")
    }

    /// `groups --json`.
    @Test func groupsDocument() {
        Golden.check(
            JSONValue.document("groups", .array(fixture.viabilities.map(DeviceJSON.group))).rendered(),
            "device-groups.json")
    }
}
