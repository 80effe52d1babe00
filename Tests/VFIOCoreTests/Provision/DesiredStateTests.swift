import Testing
@testable import VFIOCore

@Suite struct DesiredStateTests {
    func parse(_ text: String) throws(VFIOError) -> DesiredState {
        try DesiredState.parse(text, file: "/etc/vfioctl/state.toml")
    }

    @Test func everySelectorAndWantedState() throws {
        let state = try parse(
            """
            [[device]]
            address = "01:00.0"
            vendor = "8086"
            device = "10d3"
            subsystem_vendor = "8086"
            subsystem_device = "a01f"
            state = "vfio"

            [[device]]
            address = "0000:3b:00.0"
            vendor = "1b36"
            device = "0010"
            state = "host"
            vfs = 4

            [[device]]
            vfs_of = "0000:3b:00.0"
            index = "0-1"
            driver = "vfio-pci"

            [[device]]
            ids = "10de:2342"
            state = "stub"

            [[device]]
            class = "usb"
            state = "vfio"
            """)
        #expect(state.entries.count == 5)
        guard case .address(let address, let expected) = state.entries[0].selector else {
            Issue.record("address"); return
        }
        #expect(address.description == "0000:01:00.0")
        #expect(expected.subsystemDevice == DeviceID(0xa01f))
        #expect(state.entries[1].virtualFunctions == 4)
        #expect(state.entries[1].wanted == .host)
        #expect(state.entries[2].selector == .virtualFunctions(of: PCIAddress("0000:3b:00.0")!, indices: 0...1))
        #expect(state.entries[2].wanted == .driver("vfio-pci"))
        #expect(state.entries[3].wanted == .stub)
        #expect(state.entries[4].location.line == 25)
    }

    @Test(arguments: [
        ("[[device]]\naddress = \"01:00.0\"\nstate = \"vfio\"\n", 1, "must say which hardware is expected"),
        ("[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\ncolor = 1\n", 4, "unknown key 'color'"),
        ("[[device]]\nids = 8086\nstate = \"vfio\"\n", 2, "must be a string"),
        ("[[device]]\nids = \"8086:10d3\"\n", 1, "says nothing about the wanted state"),
        ("[[device]]\nids = \"8086:10d3\"\nstate = \"gone\"\n", 3, "invalid state 'gone'"),
        ("[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\ndriver = \"x\"\n", 4, "either state or driver"),
        ("[[device]]\nids = \"8086:10d3\"\nclass = \"net\"\nstate = \"vfio\"\n", 1, "more than one of"),
        ("[[device]]\nstate = \"vfio\"\n", 1, "selects nothing"),
        (
            "[[device]]\naddress = \"01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n[[device]]\naddress = \"0000:01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"host\"\n",
            6, "already listed at line 1"
        ),
        ("[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\nvfs = 2\n", 4, "vfs only goes with an address"),
        ("[[device]]\nvfs_of = \"01:00.0\"\nindex = \"3-1\"\nstate = \"vfio\"\n", 3, "invalid index"),
        ("[[device]]\nids = \"8086:10d3\"\nindex = 1\nstate = \"vfio\"\n", 3, "index only goes with vfs_of"),
        (
            "[[device]]\naddress = \"01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nsubsystem_device = \"0001\"\nstate = \"vfio\"\n",
            1, "needs subsystem_vendor"
        ),
        ("device = 3\n", 1, "must be [[device]] tables")
    ])
    func badFilesNameFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.status == .usage)
            #expect(error.message.hasPrefix("/etc/vfioctl/state.toml:\(line): "), "\(error.message)")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    static func device(
        _ address: String, _ vendor: UInt16, _ device: UInt16, class code: UInt32 = 0x020000
    ) -> PCIDevice {
        PCIDevice(
            address: PCIAddress(address)!,
            identity: PCIIdentity(
                vendor: VendorID(vendor), device: DeviceID(device), subsystemVendor: VendorID(vendor),
                subsystemDevice: DeviceID(0), classCode: ClassCode(code)!))
    }

    @Test func resolutionRefusesOtherHardwareAndRejectsConflicts() throws {
        let inventory = DeviceInventory(devices: [
            Self.device("0000:01:00.0", 0x10de, 0x1eb8), Self.device("0000:02:00.0", 0x8086, 0x10d3)
        ])
        let moved = try parse(
            "[[device]]\naddress = \"01:00.0\"\nvendor = \"8086\"\ndevice = \"10d3\"\nstate = \"vfio\"\n")
        let resolution = try StateResolution(moved, inventory: inventory)
        #expect(resolution.targets.isEmpty)
        #expect(resolution.refusals.first?.contains("expected 8086:10d3 at 0000:01:00.0, found 10de:1eb8") == true)

        let conflict = try parse(
            "[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\n[[device]]\nclass = \"net\"\nstate = \"host\"\n")
        #expect(throws: VFIOError.self) { _ = try StateResolution(conflict, inventory: inventory) }

        let agreeing = try parse(
            "[[device]]\nids = \"8086:10d3\"\nstate = \"vfio\"\n[[device]]\nclass = \"net\"\nstate = \"vfio\"\n")
        let both = try StateResolution(agreeing, inventory: inventory)
        #expect(both.targets.map(\.device.address.description) == ["0000:02:00.0", "0000:01:00.0"])
    }
}
