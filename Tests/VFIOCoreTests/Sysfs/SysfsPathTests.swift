import Testing
import VFIOCore

@Suite struct SysfsPathTests {
    @Test(arguments: [
        ("../../../devices/pci0000:00/0000:00:03.0", "bus/pci/devices", "devices/pci0000:00/0000:00:03.0"),
        ("../../../../bus/pci/drivers/e1000e", "devices/pci0000:00/0000:00:1c.6/0000:09:00.0", "bus/pci/drivers/e1000e"),
        ("../0000:02:00.0", "devices/pci0000:00/0000:00:1c.0/0000:02:02.0", "devices/pci0000:00/0000:00:1c.0/0000:02:00.0"),
        ("./a/./b", "x", "x/a/b"),
        ("a//b", "x", "x/a/b"),
        ("../../..", "bus/pci/devices", ""),
        ("kernel/iommu_groups/3", "", "kernel/iommu_groups/3"),
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
        ("../../../devices/../../x", "bus/pci/devices"),
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
    }
}
