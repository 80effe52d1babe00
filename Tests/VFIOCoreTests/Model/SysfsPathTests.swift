import PropertyBased
import Testing
import VFIOCore

@Suite struct SysfsPathTests {
    @Test(arguments: [
        ("../../../devices/pci0000:00/0000:00:03.0", "bus/pci/devices", "devices/pci0000:00/0000:00:03.0"),
        (
            "../../../../bus/pci/drivers/e1000e", "devices/pci0000:00/0000:00:1c.6/0000:09:00.0",
            "bus/pci/drivers/e1000e"
        ),
        (
            "../0000:02:00.0", "devices/pci0000:00/0000:00:1c.0/0000:02:02.0",
            "devices/pci0000:00/0000:00:1c.0/0000:02:00.0"
        ),
        ("./a/./b", "x", "x/a/b"),
        ("a//b", "x", "x/a/b"),
        ("../../..", "bus/pci/devices", ""),
        ("kernel/iommu_groups/3", "", "kernel/iommu_groups/3")
    ])
    func resolvesInsideTheRoot(_ target: String, _ directory: String, _ expected: String) {
        #expect(SysfsPath.resolve(target: target, from: directory) == expected)
    }

    @Test(arguments: [
        ("/sys/devices/pci0000:00/0000:00:00.0", "bus/pci/devices"),
        ("/", "bus/pci/devices"),
        ("../../../../outside", "bus/pci/devices"),
        ("../../../../../../../etc/passwd", "devices/pci0000:00/0000:00:02.0"),
        ("..", ""),
        ("a/../../b", ""),
        ("../../../devices/../../x", "bus/pci/devices")
    ])
    func refusesEscapes(_ target: String, _ directory: String) {
        #expect(SysfsPath.resolve(target: target, from: directory) == nil)
    }

    @Test func joinSkipsEmptyParts() {
        #expect(SysfsPath.join("bus/pci", "", "devices") == "bus/pci/devices")
        #expect(SysfsPath.join("", "x") == "x")
    }

    @Test func lastComponent() {
        #expect(SysfsPath.lastComponent("bus/pci/drivers/vfio-pci") == "vfio-pci")
        #expect(SysfsPath.lastComponent("kernel/iommu_groups/12/") == "12")
        #expect(SysfsPath.lastComponent("single") == "single")
        #expect(SysfsPath.lastComponent("") == "")
        #expect(SysfsPath.lastComponent("///") == "///")
        #expect(SysfsPath.lastComponent("/a//b//") == "b")
    }

    /// The short cut readers take for links must name exactly what full resolution names, and refuse
    /// exactly what it refuses, for any mix of names, `.`, `..` and repeated slashes.
    @Test func resolvedLastComponentAgreesWithResolution() async {
        let pieces = ["a", "b", "0000:00:1c.0", ".", "..", "", "/"]
        let path = Gen<String?>.element(of: pieces).map { $0! }.array(of: 0...7).map { $0.joined(separator: "/") }
        await propertyCheck(count: 2000, input: path, path) { target, directory in
            let expected = SysfsPath.resolve(target: target, from: directory).map { SysfsPath.lastComponent($0) }
            #expect(
                SysfsPath.resolvedLastComponent(target: target, from: directory) == expected,
                "\(target) from \(directory)")
        }
    }
}
