import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// `list`, `list --tree`, `show` and `groups` as text, compared with Golden/device-*.txt.
@Suite struct DeviceTextGoldenTests {
    typealias S = KernelSimulator.Standard

    let fixture: PresentFixture

    init() throws { fixture = try PresentFixture() }

    @Test func listTable() {
        var out = ""
        fixture.deviceText.list(fixture.inventory.devices) { out += $0 }
        Golden.check(out, "device-list.txt")
    }

    @Test func listTableOfNoDevicesIsTheHeaderAlone() {
        var out = ""
        fixture.deviceText.list([]) { out += $0 }
        Golden.check(out, "device-list-empty.txt")
    }

    @Test func tree() {
        Golden.check(fixture.deviceText.tree(fixture.inventory), "device-tree.txt")
    }

    @Test func showOfANetworkDeviceInAViableGroup() {
        Golden.check(
            fixture.deviceText.show(fixture.inventory[S.e1000e]!, inventory: fixture.inventory),
            "device-show-e1000e.txt")
    }

    @Test func showOfAPhysicalFunctionWithVFs() {
        Golden.check(
            fixture.deviceText.show(fixture.inventory[S.nvme]!, inventory: fixture.inventory), "device-show-nvme-pf.txt"
        )
    }

    @Test func showOfAVirtualFunction() {
        Golden.check(
            fixture.deviceText.show(fixture.inventory[S.nvmeVF(1)]!, inventory: fixture.inventory),
            "device-show-nvme-vf.txt")
    }

    @Test func showOfADeviceInABlockedGroup() {
        Golden.check(
            fixture.deviceText.show(fixture.inventory[S.rtl8139]!, inventory: fixture.inventory),
            "device-show-rtl8139.txt")
    }

    @Test func showOfADeviceWithoutGroupAndWithUnreadableAttributes() {
        let device = PresentFixture.oddDevice
        Golden.check(
            fixture.deviceText.show(device, inventory: DeviceInventory(devices: [device])), "device-show-odd.txt")
    }

    @Test func groups() {
        Golden.check(fixture.deviceText.groups(fixture.viabilities), "device-groups.txt")
    }
}
