import TestSupport
import Testing

@testable import VFIOCore
@testable import VFIOSystem

@Suite struct HostUseScannerTests {
    @Test(
        arguments: [
            ("nvme0n1", "nvme0n1"), ("nvme0c0n1", "nvme0n1"), ("nvme12c3n45", "nvme12n45"), ("nvme1c1n2", "nvme1n2"),
            ("nvme0", nil), ("nvme", nil), ("nvme0n1p1", nil), ("nvme0c0", nil), ("nvme0c0n", nil), ("nvme0cn1", nil),
            ("nvme-subsys0", nil), ("nvmeXn1", nil), ("nvme0n", nil), ("nvme0x1", nil), ("sda", nil), ("nvme0n1 ", nil)
        ] as [(String, String?)])
    func nvmeNamespaceNames(_ name: String, _ block: String?) {
        #expect(HostUseScanner.nvmeNamespaceBlockName(name) == block)
    }

    @Test(
        arguments: [
            ("nvme", true), ("nvme0", true), ("ata1", true), ("host0", true), ("target0:0:0", true), ("0:0:0:0", true),
            ("virtio2", true), ("port-0:1", true), ("end_device-0:1", true), ("expander-0:0", true),
            ("rport-0:0-1", true),
            ("ata_port", false), ("link1", false), ("power", false), ("0000:01:00.0", false), ("pci_bus", false),
            ("hostX", false), ("1:2:3", false), ("1:2:3:x", false), ("msi_irqs", false), ("driver", false)
        ] as [(String, Bool)])
    func containers(_ name: String, _ isContainer: Bool) {
        #expect(HostUseScanner.isContainer(name) == isContainer)
    }

    private func scan(_ device: FakePCIDevice) throws -> HostUse {
        var tree = FakeSysfs()
        tree.add(device)
        return try tree.withRoot { root in
            let sysfs = LiveSysfs(root: root)
            let path = try tree.canonicalPath(of: device.address)
            let entries = EntryKinds(try sysfs.list(path))
            return HostUseScanner(sysfs: sysfs).scan(deviceDirectory: path, entries: entries)
        }
    }

    @Test func nvmeNamespacesWithAndWithoutMultipath() throws {
        let plain = try scan(
            FakePCIDevice("0000:05:00.0", 0x144D, 0xA808, FakeClass.nvme).nvme(controller: 2, namespaces: [1, 3]))
        #expect(plain == HostUse(blockDevices: ["nvme2n1", "nvme2n3"]))
        let multipath = try scan(
            FakePCIDevice("0000:05:00.0", 0x144D, 0xA808, FakeClass.nvme)
                .nvme(controller: 4, namespaces: [1], multipath: true))
        #expect(multipath == HostUse(blockDevices: ["nvme4n1"]))
    }

    @Test func networkBehindVirtioAndDirect() throws {
        let use = try scan(
            FakePCIDevice("0000:00:03.0", 0x1AF4, 0x1041, FakeClass.ethernet)
                .using(.virtioNetwork(index: 2, name: "eth0", operstate: "up"))
                .network("macvtap0", operstate: "lowerlayerdown"))
        #expect(
            use.networkInterfaces == [
                HostUse.NetworkInterface(name: "eth0", operstate: "up"),
                HostUse.NetworkInterface(name: "macvtap0", operstate: "lowerlayerdown")
            ])
        #expect(use.blockDevices.isEmpty && use.displayNodes.isEmpty)
    }

    @Test func severalSATADisks() throws {
        let use = try scan(
            FakePCIDevice("0000:00:17.0", 0x8086, 0xA352, FakeClass.sataAHCI)
                .sata(port: 1, host: 0, disks: ["sdb", "sda"]))
        #expect(use == HostUse(blockDevices: ["sda", "sdb"]))
    }

    @Test func displayNodesAreSorted() throws {
        let use = try scan(
            FakePCIDevice("0000:01:00.0", 0x1002, 0x73BF, FakeClass.vga).drm(card: 1, render: 129).framebuffer(1)
                .drm(card: 0))
        #expect(use.displayNodes == ["card0", "card1", "fb1", "renderD129"])
    }

    @Test func operstateIsNilWhenUnreadable() throws {
        var tree = FakeSysfs()
        let nic = FakePCIDevice("0000:00:19.0", 0x8086, 0x15BC, FakeClass.ethernet).network("eno1")
        tree.add(nic)
        let use = try tree.withRoot { root in
            let path = try tree.canonicalPath(of: nic.address)
            let operstate = root + "/" + path + "/net/eno1/operstate"
            TemporaryDirectory.removeTree(operstate)
            try TemporaryDirectory.makeDirectory(operstate)
            let sysfs = LiveSysfs(root: root)
            let entries = EntryKinds(try sysfs.list(path))
            return HostUseScanner(sysfs: sysfs).scan(deviceDirectory: path, entries: entries)
        }
        #expect(use.networkInterfaces == [HostUse.NetworkInterface(name: "eno1", operstate: nil)])
    }

    @Test func nothingAtAllForAPlainDevice() throws {
        #expect(try scan(FakePCIDevice("0000:00:1f.4", 0x8086, 0xA323, FakeClass.smbus)).isEmpty)
    }
}
