import TestSupport
import Testing
import VFIOCore

@Suite struct LargeTreeTests {
    @Test(arguments: [1, 2, 30, 100, 4096])
    func hasExactlyTheRequestedCount(_ count: Int) {
        let tree = FakeSysfs.makeLargeTree(count: count)
        #expect(tree.devices.count == count)
        #expect(Set(tree.addresses).count == count)
    }

    @Test func isDeterministic() {
        expectSameDevices(
            FakeSysfs.makeLargeTree(count: 500).expectedDevices, FakeSysfs.makeLargeTree(count: 500).expectedDevices)
    }

    @Test func fullSizeTreeIsAServerMix() throws {
        let tree = FakeSysfs.makeLargeTree(count: 4096)
        let devices = tree.devices
        // Every parent and every PF is in the tree and parents are bridges.
        for device in devices {
            if let parent = device.parent { #expect(tree[parent]?.isBridge == true, "\(device.address)") }
            if let pf = device.physfn { #expect(tree[pf]?.sriov != nil, "\(device.address)") }
        }
        let domains = Set(devices.map(\.address.domain))
        #expect(domains.count >= 4)
        let classes = Dictionary(grouping: devices, by: { $0.classCode.classAndSubclass }).mapValues(\.count)
        #expect(classes[0x0200, default: 0] > 1000)  // NICs, mostly VFs
        #expect(classes[0x0108, default: 0] > 300)  // NVMe
        #expect(classes[0x0300, default: 0] > 50)  // GPUs
        #expect(classes[0x0604, default: 0] < devices.count / 3)  // bridges, but not most of it
        let vfs = devices.filter { $0.physfn != nil }
        #expect(vfs.count > 1000)
        let drivers = Set(devices.compactMap(\.driver?.rawValue))
        #expect(
            drivers.isSuperset(of: ["ice", "iavf", "vfio-pci", "nvme", "pcieport", "snd_hda_intel", "e1000", "e1000e"]))
        #expect(devices.contains { $0.driver == nil })
        #expect(devices.contains { $0.driverOverride == DriverName.vfioPCI })
        #expect(devices.filter(\.bootVGA).count == 1)
        // Groups: shared ones (GPU + audio, PCIe-to-PCI bridges, the chipset slot) and many single ones.
        let groupSizes = Dictionary(grouping: devices.compactMap(\.iommuGroup), by: { $0 }).mapValues(\.count)
        #expect(groupSizes.values.contains(3))
        #expect(groupSizes.values.contains(4))
        #expect(groupSizes.values.filter { $0 == 1 }.count > 2000)
    }

    @Test func writtenTreeReadsBackExactly() throws {
        let tree = FakeSysfs.makeLargeTree(count: 700)
        let found = try inventory(of: tree)
        #expect(found.warnings == [])
        #expect(found.devices.count == 700)
        expectSameDevices(found.devices, tree.expectedDevices)
    }

    @Test func aTreeCutAmongVFsIsConsistent() throws {
        // 30 functions: the chipset and host bridge, a root port, two PFs and some of their VFs.
        let tree = FakeSysfs.makeLargeTree(count: 30)
        let found = try inventory(of: tree)
        #expect(found.warnings == [])
        expectSameDevices(found.devices, tree.expectedDevices)
        for pf in found.devices where pf.sriov.isPhysicalFunction {
            #expect(pf.sriov.numVFs == pf.sriov.virtfns.count)
        }
    }
}
