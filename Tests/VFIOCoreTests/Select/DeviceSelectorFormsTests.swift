#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Every selector form, parsed and resolved against the workstation tree (FakeScenario), and what a
/// crafted tree can do to interface names.
@Suite struct DeviceSelectorFormsTests {
    static let parsed: [(String, String)] = [
        ("pci_0000_01_00_1", "0000:01:00.1"), ("pci_0000_0A_00_0", "0000:0a:00.0"),
        ("01:00", "0000:01:00"), ("0000:01:00", "0000:01:00"), ("1:0", "0000:01:00"), ("0001:3B:1f", "0001:3b:1f"),
        ("0000:3b:*", "0000:3b:*"), ("3b:0?.*", "3b:0?.*"), ("0000:0[1-3]:00.0", "0000:0[1-3]:00.0"),
        ("eth0", "eth0"), ("enp9s0", "enp9s0"), ("wlp0s20f3", "wlp0s20f3"), ("abcdefghijklmno", "abcdefghijklmno")
    ]

    @Test(arguments: parsed)
    func formParses(_ text: String, _ canonical: String) throws {
        #expect(try DeviceSelector(parsing: text).description == canonical)
    }

    @Test func formsAreTheRightKind() throws {
        #expect(try DeviceSelector(parsing: "pci_0000_01_00_0") == .address(Fake.address("0000:01:00.0")))
        guard case .slot = try DeviceSelector(parsing: "01:00") else { Issue.record("01:00 is a slot"); return }
        guard case .ids = try DeviceSelector(parsing: "8086:10d3") else {
            Issue.record("8086:10d3 is an id pair"); return
        }
        guard case .addressGlob = try DeviceSelector(parsing: "01:*") else { Issue.record("01:* is a glob"); return }
        guard case .interface = try DeviceSelector(parsing: "eth0") else {
            Issue.record("eth0 is an interface"); return
        }
    }

    static let refused: [String] = [
        // Globs that would select everything, or are not about addresses.
        "*", "?", "*:*", "*:*:*.*", "?*", "[0-9]*:*", "[0-f]:*", "*.*", "0*", "3b*", "0000:3b:*/..", "0000:3b:* ",
        "0000:3b:*\u{1B}", "0000:3b:*x", "8086:**", "0000:3b0:*", "0000:3b:000*", "0000:3b:00.00*", "0000:3b:00.0:*",
        "3b.0*", "3b:00.0.*", "g0:*", String(repeating: "0", count: 70) + ":*",
        // libvirt names: exactly pci_DDDD_BB_SS_F.
        "pci_", "pci_0000_01_00", "pci_0000_01_00_8", "pci_0000_01_20_0", "pci_0000_1_00_0", "pci_0000_01_00_0_0",
        "pci_../../etc", "pci_0000_01_00_0 ",
        // Interface names the kernel would refuse, and worse.
        ".", "..", "eth0/..", "../eth0", "et h0", "eth0\n", "a\u{1B}[2Jb", "abcdefghijklmnop", "eth\u{0}0", "\u{7F}",
        "eth\u{85}0", "x\u{FFFD}y", "wlan\u{E9}", "dead", "8086", String(repeating: "e", count: 100_000),
        // Slots out of range.
        "01:20", "001:00", "01:000", "00000:01:00", "0000:01:00:0"
    ]

    @Test(arguments: refused)
    func isRefused(_ text: String) {
        do {
            let selector = try DeviceSelector(parsing: text)
            Issue.record("\(UserText.quoted(text)) parsed as \(selector)")
        } catch {
            #expect(error.status == .usage)
            #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
            #expect(error.message.count < 400)
        }
    }

    // MARK: Resolution

    static func withWorkstation<R>(_ body: (DeviceInventory, NetworkInterfaceIndex) throws -> R) throws -> R {
        try withWorkstation(crafted: { _, _ in }, body)
    }

    static func withWorkstation<R>(
        crafted craft: (String, FakeSysfs) throws -> Void,
        _ body: (DeviceInventory, NetworkInterfaceIndex) throws -> R
    ) throws -> R {
        try TemporaryDirectory.with { root in
            let tree = FakeScenario.workstation.tree
            try tree.write(to: root)
            try craft(root, tree)
            let sysfs = LiveSysfs(root: root)
            let inventory = try SysfsWalkEnumerator(sysfs: sysfs, userGivenRoot: true).enumerate()
            return try body(inventory, NetworkInterfaceReader(sysfs: sysfs).index(of: inventory))
        }
    }

    static func select(
        _ texts: [String], _ inventory: DeviceInventory, _ interfaces: NetworkInterfaceIndex
    ) throws -> [String] {
        let query = DeviceQuery(selectors: try texts.map { try DeviceSelector(parsing: $0) })
        return try query.select(from: inventory, interfaces: interfaces).map(\.address.description)
    }

    @Test func eachFormSelectsItsDevices() throws {
        try Self.withWorkstation { inventory, interfaces throws in
            #expect(try Self.select(["01:00"], inventory, interfaces) == ["0000:01:00.0", "0000:01:00.1"])
            #expect(try Self.select(["0000:00:1f"], inventory, interfaces).count == 4)
            #expect(try Self.select(["pci_0000_09_00_0"], inventory, interfaces) == ["0000:09:00.0"])
            #expect(try Self.select(["enp9s0"], inventory, interfaces) == ["0000:09:00.0"])
            #expect(try Self.select(["0000:02:0[23].*"], inventory, interfaces).count == 12)
            #expect(try Self.select(["02:02.?"], inventory, interfaces).count == 8)
            // Anchored over the whole address: 00:1f.0 and the VFs 02:02.x do not match.
            #expect(
                try Self.select(["0000:0?:00.0"], inventory, interfaces)
                    == [
                        "0000:00:00.0", "0000:01:00.0", "0000:02:00.0", "0000:03:00.0", "0000:05:00.0", "0000:06:00.0",
                        "0000:07:00.0", "0000:09:00.0", "0000:0a:00.0"
                    ])
            // Several forms at once: the union, each device once.
            #expect(
                try Self.select(["01:00", "01:00.1", "enp9s0"], inventory, interfaces)
                    == ["0000:01:00.0", "0000:01:00.1", "0000:09:00.0"])
        }
    }

    @Test(arguments: [
        ("0000:7f:00.0", "no PCI device at 0000:7f:00.0"), ("pci_0000_7f_00_0", "no PCI device at 0000:7f:00.0"),
        ("7f:00", "no PCI device in slot 0000:7f:00"), ("7f:*", "no PCI device address matches '7f:*'"),
        ("eth0", "no PCI device has the network interface 'eth0'")
    ])
    func aSelectorMatchingNothingIsNotFoundAndNamed(_ text: String, _ message: String) throws {
        try Self.withWorkstation { inventory, interfaces throws in
            do {
                let selected = try Self.select(["01:00.0", text], inventory, interfaces)
                Issue.record("\(text) selected \(selected)")
            } catch let error as VFIOError {
                #expect(error.status == .notFound)
                #expect(error.message == message)
            }
        }
    }

    @Test func idPairsMatchingNothingStayAnEmptySelection() throws {
        try Self.withWorkstation { inventory, interfaces throws in
            #expect(try Self.select(["dead:beef"], inventory, interfaces).isEmpty)
        }
    }

    @Test func aCommandOfOneDeviceRefusesSeveralAndListsThem() throws {
        try Self.withWorkstation { inventory, interfaces throws in
            do {
                let device = try DeviceQuery.single(
                    try DeviceSelector(parsing: "01:00"), from: inventory, interfaces: interfaces, command: "override")
                Issue.record("01:00 resolved to \(device.address)")
            } catch let error as VFIOError {
                #expect(error.status == .usage)
                #expect(
                    error.message
                        == "'0000:01:00' matches 2 devices (0000:01:00.0, 0000:01:00.1); 'override' takes one device")
            }
            // A big glob lists eight and counts the rest.
            do {
                _ = try DeviceQuery.single(
                    try DeviceSelector(parsing: "0000:02:*"), from: inventory, interfaces: interfaces, command: "sriov")
            } catch let error as VFIOError {
                #expect(
                    error.message.hasPrefix("'0000:02:*' matches 14 devices (0000:02:00.0, 0000:02:00.1, 0000:02:02.0,")
                )
                #expect(error.message.contains("and 6 more"))
            }
            #expect(
                try DeviceQuery.single(
                    try DeviceSelector(parsing: "enp9s0"), from: inventory, interfaces: interfaces,
                    command: "show"
                ).address == Fake.address("09:00.0"))
            #expect(
                throws: VFIOError.notFound(
                    "no PCI device has the ids dead:beef", hint: "run 'vfioctl list' to see the devices")
            ) {
                try DeviceQuery.single(try DeviceSelector(parsing: "dead:beef"), from: inventory, command: "show")
            }
        }
    }

    // MARK: Crafted trees

    static func device(_ root: String, _ tree: FakeSysfs, _ address: String) throws -> String {
        root + "/" + (try tree.canonicalPath(of: Fake.address(address)))
    }

    @Test func anInterfaceUnderTwoDevicesIsAmbiguous() throws {
        try Self.withWorkstation(crafted: { root, tree in
            try TemporaryDirectory.makeDirectory(try Self.device(root, tree, "04:01.0") + "/net/enp9s0")
        }) { inventory, interfaces throws in
            do {
                let selected = try Self.select(["enp9s0"], inventory, interfaces)
                Issue.record("enp9s0 selected \(selected)")
            } catch let error as VFIOError {
                #expect(error.status == .usage)
                #expect(
                    error.message
                        == "network interface 'enp9s0' is ambiguous: it appears under 0000:04:01.0, 0000:09:00.0")
            }
        }
    }

    /// A `net` that is a link to another device's `net/` would let that device claim its interfaces.
    @Test func aNetLinkOrFileNamesNoInterface() throws {
        try Self.withWorkstation(crafted: { root, tree in
            let reader = try Self.device(root, tree, "0a:00.0")
            #expect(symlink(try Self.device(root, tree, "09:00.0") + "/net", reader + "/net") == 0)
            // A `net` that is a file, and an interface entry that is a file or a link.
            let audio = try Self.device(root, tree, "04:02.0")
            #expect(creat(audio + "/net", 0o644) >= 0)
            let nic = try Self.device(root, tree, "04:01.0")
            try TemporaryDirectory.makeDirectory(nic + "/net")
            #expect(creat(nic + "/net/eth7", 0o644) >= 0)
            #expect(symlink("../../0000:04:02.0", nic + "/net/eth8") == 0)
        }) { inventory, interfaces throws in
            #expect(try Self.select(["enp9s0"], inventory, interfaces) == ["0000:09:00.0"])
            for name in ["eth7", "eth8"] {
                #expect(throws: VFIOError.self) { try Self.select([name], inventory, interfaces) }
            }
        }
    }

    @Test func interfaceNamesTheKernelRefusesAreSkipped() throws {
        try Self.withWorkstation(crafted: { root, tree in
            let nic = try Self.device(root, tree, "04:01.0")
            try TemporaryDirectory.makeDirectory(nic + "/net/a\u{1B}b")
            try TemporaryDirectory.makeDirectory(nic + "/net/" + String(repeating: "x", count: 40))
        }) { _, interfaces throws in
            let names = Set(interfaces.owners.keys.map(\.rawValue))
            #expect(names.contains("enp9s0"))
            #expect(!names.contains { $0.contains("\u{1B}") || $0.hasPrefix("xxx") }, "\(names)")
        }
    }
}
