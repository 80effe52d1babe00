import TestSupport
import Testing
import VFIOCore

@Suite struct PCIDeviceTests {
    let identity = PCIIdentity(vendor: VendorID(0x8086), device: DeviceID(0x1533), subsystemVendor: VendorID(0x8086),
                               subsystemDevice: DeviceID(0x0001), classCode: FakeClass.ethernet, revision: Revision(3))

    @Test func modaliasDefaultsToTheIdentitys() {
        let device = PCIDevice(address: Fake.address("07:00.0"), identity: identity)
        #expect(device.modalias == identity.modalias)
        #expect(device.driver == nil && device.driverOverride == nil && device.iommuGroup == nil)
        #expect(device.unreadable.isEmpty)
        #expect(!device.isBridge && !device.isVirtualFunction)
    }

    @Test func virtualFunctionIsRecognisedByPhysfn() {
        var device = PCIDevice(address: Fake.address("02:02.0"), identity: identity)
        device.sriov.physfn = Fake.address("02:00.0")
        #expect(device.isVirtualFunction)
        #expect(!device.sriov.isPhysicalFunction)
        let pf = SRIOVState(virtfns: [], numVFs: 0, totalVFs: 64, driversAutoprobe: true)
        #expect(pf.isPhysicalFunction)
    }

    @Test func bridgeFollowsTheClass() {
        var bridge = identity
        bridge.classCode = FakeClass.pciBridge
        #expect(PCIDevice(address: Fake.address("00:1c.0"), identity: bridge).isBridge)
    }

    @Test func hostUseIsEmptyOnlyWithoutChildren() {
        #expect(HostUse().isEmpty)
        #expect(!HostUse(blockDevices: ["sda"]).isEmpty)
        #expect(!HostUse(displayNodes: ["card0"]).isEmpty)
        #expect(!HostUse(networkInterfaces: [.init(name: "eth0", operstate: nil)]).isEmpty)
    }
}
