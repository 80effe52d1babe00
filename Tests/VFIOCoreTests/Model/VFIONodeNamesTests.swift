import Testing
import VFIOCore

/// The /dev/vfio names vfioctl accepts from the kernel's directories, and the group node's name.
@Suite struct VFIONodeNamesTests {
    @Test func cdevNamesAreOnlyTheKernelsOwn() {
        #expect(VFIONodes.cdevPath(forEntry: "vfio0") == "/dev/vfio/devices/vfio0")
        #expect(VFIONodes.cdevPath(forEntry: "vfio12") == "/dev/vfio/devices/vfio12")
        #expect(VFIONodes.cdevPath(forEntry: "noiommu-vfio3") == "/dev/vfio/devices/noiommu-vfio3")
        for crafted in [
            "vfio", "noiommu-vfio", "vfio0/../../sda", "../vfio0", "xvfio1", "vfio-1", "vfio1a", "vfio١",
            "vfio" + String(repeating: "9", count: 11), "", "noiommu-vfio0\n"
        ] {
            #expect(VFIONodes.cdevPath(forEntry: crafted) == nil, "\(crafted.debugDescription)")
        }
    }

    @Test func groupNodeNames() {
        let group = IOMMUGroup(7)
        #expect(VFIONodes.groupNodeName(group, noIOMMU: false) == "7")
        #expect(VFIONodes.groupNodeName(group, noIOMMU: true) == "noiommu-7")
    }
}
