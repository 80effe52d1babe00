import Foundation
import TestSupport
import Testing
import VFIOCore

/// The fixture itself: files, links and config space in the kernel's exact formats. Read with plain
/// Foundation calls, not with the code under test.
@Suite struct FakeSysfsTests {
    private func text(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    private func link(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

    private func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test func attributesUseTheKernelsFormats() throws {
        try FakeScenario.rootPort.tree.withRoot { root in
            let dir = root + "/devices/pci0000:00/0000:00:1c.6/0000:09:00.0"
            #expect(text(dir + "/vendor") == "0x8086\n")
            #expect(text(dir + "/device") == "0x10d3\n")
            #expect(text(dir + "/subsystem_vendor") == "0x8086\n")
            #expect(text(dir + "/subsystem_device") == "0xa01f\n")
            #expect(text(dir + "/class") == "0x020000\n")
            #expect(text(dir + "/revision") == "0x00\n")
            #expect(text(dir + "/modalias") == "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00\n")
            #expect(text(dir + "/driver_override") == "(null)\n")
            #expect(text(dir + "/numa_node") == "-1\n")
            #expect(text(dir + "/enable") == "1\n")
            #expect(text(dir + "/boot_vga") == nil)
            #expect(
                text(dir + "/uevent") == """
                    DRIVER=e1000e
                    PCI_CLASS=20000
                    PCI_ID=8086:10D3
                    PCI_SUBSYS_ID=8086:A01F
                    PCI_SLOT_NAME=0000:09:00.0
                    MODALIAS=pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00

                    """)
            #expect(text(dir + "/net/enp9s0/operstate") == "up\n")
            #expect(mode(dir + "/vendor") == 0o444)
            #expect(mode(dir + "/driver_override") == 0o644)
            #expect(mode(dir + "/remove") == 0o220)
            let port = root + "/devices/pci0000:00/0000:00:1c.6"
            #expect(text(port + "/secondary_bus_number") == "9\n")
            #expect(text(port + "/subordinate_bus_number") == "9\n")
            #expect(FileManager.default.fileExists(atPath: port + "/pci_bus/0000:09/rescan"))
            #expect(text(port + "/uevent")?.hasPrefix("DRIVER=pcieport\nPCI_CLASS=60400\n") == true)
        }
    }

    @Test func linksAreRelativeLikeTheKernels() throws {
        try FakeScenario.workstation.tree.withRoot { root in
            #expect(
                link(root + "/bus/pci/devices/0000:09:00.0") == "../../../devices/pci0000:00/0000:00:1c.6/0000:09:00.0")
            #expect(
                link(root + "/bus/pci/devices/0000:04:01.0")
                    == "../../../devices/pci0000:00/0000:00:1c.4/0000:03:00.0/0000:04:01.0")
            let nic = root + "/devices/pci0000:00/0000:00:1c.6/0000:09:00.0"
            #expect(link(nic + "/driver") == "../../../../bus/pci/drivers/e1000e")
            #expect(link(nic + "/iommu_group") == "../../../../kernel/iommu_groups/10")
            #expect(link(nic + "/subsystem") == "../../../../bus/pci")
            #expect(link(root + "/devices/pci0000:00/0000:00:17.0/driver") == "../../../bus/pci/drivers/ahci")
            #expect(
                link(root + "/bus/pci/drivers/e1000e/0000:09:00.0")
                    == "../../../../devices/pci0000:00/0000:00:1c.6/0000:09:00.0")
            #expect(
                link(root + "/kernel/iommu_groups/10/devices/0000:09:00.0")
                    == "../../../../devices/pci0000:00/0000:00:1c.6/0000:09:00.0")
            #expect(link(root + "/class/net/enp9s0") == "../../devices/pci0000:00/0000:00:1c.6/0000:09:00.0/net/enp9s0")
            #expect(
                link(root + "/block/nvme0n1") == "../devices/pci0000:00/0000:00:1d.0/0000:05:00.0/nvme/nvme0/nvme0n1")
            #expect(link(root + "/block/nvme1n2") == "../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n2")

            let pf = root + "/devices/pci0000:00/0000:00:1c.0/0000:02:00.0"
            #expect(link(pf + "/virtfn0") == "../0000:02:02.0")
            #expect(link(pf + "/virtfn10") == "../0000:02:03.2")
            #expect(link(root + "/devices/pci0000:00/0000:00:1c.0/0000:02:03.2/physfn") == "../0000:02:00.0")
            #expect(text(pf + "/sriov_numvfs") == "12\n")
            #expect(text(pf + "/sriov_totalvfs") == "64\n")
            #expect(text(pf + "/sriov_drivers_autoprobe") == "1\n")
            #expect(text(pf + "/sriov_vf_device") == "154c\n")
            #expect(text(root + "/devices/pci0000:00/0000:00:1c.0/0000:02:03.2/sriov_numvfs") == nil)

            let gpu = root + "/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
            #expect(text(gpu + "/boot_vga") == "1\n")
            #expect(FileManager.default.fileExists(atPath: gpu + "/drm/card0"))
            #expect(FileManager.default.fileExists(atPath: gpu + "/graphics/fb0"))
            let nvme = root + "/devices/pci0000:00/0000:00:1d.4/0000:06:00.0/nvme/nvme1"
            #expect(FileManager.default.fileExists(atPath: nvme + "/nvme1c1n1"))
            #expect(!FileManager.default.fileExists(atPath: nvme + "/nvme1n1"))
            #expect(
                FileManager.default.fileExists(
                    atPath: root + "/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"))
            #expect(text(root + "/devices/pci0000:00/0000:00:1b.0/0000:07:00.0/driver_override") == "vfio-pci\n")
        }
    }

    @Test func driversHaveTheirControlFilesAndModules() throws {
        try FakeScenario.workstation.tree.withRoot { root in
            let vfio = root + "/bus/pci/drivers/vfio-pci"
            for file in ["bind", "unbind", "new_id", "remove_id"] {
                #expect(mode(vfio + "/" + file) == 0o200, "\(file)")
            }
            #expect(link(vfio + "/module") == "../../../../module/vfio_pci")
            #expect(link(root + "/module/vfio_pci/drivers/pci:vfio-pci") == "../../../bus/pci/drivers/vfio-pci")
            #expect(link(root + "/bus/pci/drivers/xhci_hcd/module") == "../../../../module/xhci_pci")
            #expect(link(root + "/bus/pci/drivers/pcieport/module") == nil)  // built in
            #expect(FileManager.default.fileExists(atPath: root + "/bus/pci/drivers/pci-stub/bind"))  // loaded, unused
            #expect(mode(root + "/bus/pci/drivers_probe") == 0o200)
            #expect(text(root + "/bus/pci/drivers_autoprobe") == "1\n")
            #expect(text(root + "/kernel/iommu_groups/2/type") == "DMA\n")
            let members = try FileManager.default.contentsOfDirectory(atPath: root + "/kernel/iommu_groups/2/devices")
                .sorted()
            #expect(members == ["0000:01:00.0", "0000:01:00.1"])
        }
    }

    @Test func configSpaceMatchesTheAttributes() throws {
        try FakeScenario.workstation.tree.withRoot { root in
            let gpu = try #require(
                FileManager.default.contents(
                    atPath: root + "/devices/pci0000:00/0000:00:01.0/0000:01:00.0/config")
            ).map { $0 }
            #expect(gpu.count == 256)
            #expect(Array(gpu[0..<4]) == [0xDE, 0x10, 0x80, 0x1B])  // vendor, device little-endian
            #expect(gpu[0x08] == 0xA1)  // revision
            #expect(Array(gpu[0x09...0x0B]) == [0x00, 0x00, 0x03])  // prog-if, subclass, base class
            #expect(gpu[0x0E] == 0x80)  // header type 0, multifunction
            #expect(Array(gpu[0x2C..<0x30]) == [0x58, 0x14, 0x02, 0x37])  // subsystem 1458:3702
            #expect(gpu[0x34] == 0x40 && gpu[0x40] == 0x10)  // PCI Express capability
            #expect(gpu[0x42] & 0xF0 == 0x00)  // endpoint

            let port = try #require(
                FileManager.default.contents(
                    atPath: root + "/devices/pci0000:00/0000:00:1c.4/config")
            ).map { $0 }
            #expect(port[0x0E] == 0x01)  // PCI-to-PCI bridge header
            #expect(Array(port[0x18...0x1A]) == [0x00, 0x03, 0x04])  // primary, secondary, subordinate
            #expect(port[0x42] & 0xF0 == 0x40)  // root port

            let behind = try #require(
                FileManager.default.contents(
                    atPath: root + "/devices/pci0000:00/0000:00:1c.4/0000:03:00.0/0000:04:01.0/config")
            ).map { $0 }
            #expect(behind[0x06] & 0x10 == 0)  // conventional PCI: no capability list
            #expect(behind[0x0E] == 0x00)
        }
    }

    @Test func oddBuilderUseIsAnErrorNotATree() throws {
        let orphan = FakeSysfs().adding(
            FakePCIDevice("0000:01:00.0", 0x8086, 0x10D3, FakeClass.ethernet).behind("0000:00:1c.0"))
        #expect(throws: FakeSysfsError.self) { try orphan.withRoot { _ in } }
        let notABridge = FakeSysfs()
            .adding(FakePCIDevice("0000:00:1f.0", 0x8086, 0xA305, FakeClass.isaBridge))
            .adding(FakePCIDevice("0000:01:00.0", 0x8086, 0x10D3, FakeClass.ethernet).behind("0000:00:1f.0"))
        #expect(throws: FakeSysfsError.self) { try notABridge.withRoot { _ in } }
        let oddity = FakeSysfs().adding(.unreadableAttribute(Fake.address("0000:00:02.0"), attribute: "vendor"))
        #expect(throws: FakeSysfsError.self) { try oddity.withRoot { _ in } }
    }

    @Test func virtualFunctionAddressesFollowOffsetAndStride() {
        let pf = Fake.address("0000:3b:00.0")
        #expect(
            FakeSysfs.virtualFunctionAddress(of: pf, offset: 0x80, stride: 2, index: 0) == Fake.address("0000:3b:10.0"))
        #expect(
            FakeSysfs.virtualFunctionAddress(of: pf, offset: 0x80, stride: 2, index: 5) == Fake.address("0000:3b:11.2"))
        #expect(
            FakeSysfs.virtualFunctionAddress(of: pf, offset: 0x100, stride: 1, index: 0) == Fake.address("0000:3c:00.0")
        )
        #expect(
            FakeSysfs.virtualFunctionAddress(of: Fake.address("0000:ff:00.0"), offset: 0x100, stride: 1, index: 0)
                == nil)
    }

    @Test func scenarioNamesAreStable() {
        #expect(
            FakeScenario.allCases.map(\.rawValue) == [
                "workstation", "gpu-audio", "sriov-nic", "pcie-pci-bridge", "multifunction", "root-port", "no-driver",
                "nvme",
                "nvme-multipath", "sata", "driver-override", "dangling-link", "link-outside-root",
                "unreadable-attribute",
                "non-address-entry", "not-sysfs", "broken"
            ])
    }

    static let lspci = ["/usr/bin/lspci", "/usr/sbin/lspci", "/bin/lspci"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// lspci, reading the fake tree through libpci's sysfs backend, must see the same ids, classes,
    /// revisions, subsystems and drivers: the tree is faithful enough for an independent reader.
    @Test(.enabled(if: lspci != nil, "lspci is not installed"))
    func lspciReadsTheSameTree() throws {
        let tree = FakeScenario.workstation.tree
        let output = try tree.withRoot { root in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.lspci!)
            process.arguments = ["-D", "-nn", "-vmm", "-k", "-A", "linux-sysfs", "-O", "sysfs.path=\(root)/bus/pci"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self)
        }
        // -vmm -k: one record per device, `Slot:`, `Class:`, `Vendor:`, `Device:`, `SVendor:`, `SDevice:`,
        // `Rev:`, `ProgIf:`, `Driver:`, `IOMMUGroup:`, `NUMANode:` lines, records separated by blank lines.
        let records = output.split(separator: "\n\n").map { record in
            Dictionary(
                record.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (
                        String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    )
                }, uniquingKeysWith: { a, _ in a })
        }
        #expect(records.count == tree.devices.count)
        for device in tree.devices {
            let record = try #require(records.first { $0["Slot"] == device.address.description }, "\(device.address)")
            #expect(record["Vendor"]?.hasSuffix("[\(device.vendor)]") == true, "\(device.address) \(record)")
            #expect(record["Device"]?.hasSuffix("[\(device.device)]") == true, "\(device.address) \(record)")
            #expect(record["Class"]?.hasSuffix("[\(String(device.classCode.description.prefix(4)))]") == true)
            #expect(record["Driver"] == device.driver?.rawValue, "\(device.address)")
            #expect(record["IOMMUGroup"] == device.iommuGroup?.description, "\(device.address)")
            #expect(record["NUMANode"] == (device.numaNode < 0 ? nil : String(device.numaNode)), "\(device.address)")
            #expect(record["ProgIf"] == String(device.classCode.description.suffix(2)), "\(device.address)")
            #expect(
                record["Rev"] == (device.revision.rawValue == 0 ? nil : device.revision.description),
                "\(device.address)")
            if device.subsystemVendor.rawValue != 0 {
                #expect(
                    record["SVendor"]?.hasSuffix("[\(device.subsystemVendor)]") == true, "\(device.address) \(record)")
                #expect(
                    record["SDevice"]?.hasSuffix("[\(device.subsystemDevice)]") == true, "\(device.address) \(record)")
            }
        }
    }
}
