import TestSupport
import Testing
import VFIOCore

@Suite struct PCIDeviceTests {
    let identity = PCIIdentity(
        vendor: VendorID(0x8086), device: DeviceID(0x1533), subsystemVendor: VendorID(0x8086),
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

    // PCIDevice keeps its fields in a shared box: it must still behave as a plain value.
    private let device = PCIDevice(
        address: Fake.address("0000:01:00.0"),
        identity: FakePCIDevice("0000:01:00.0", 0x8086, 0x10D3, FakeClass.ethernet).identity,
        driver: DriverName("e1000e"), iommuGroup: IOMMUGroup(7))

    @Test func aCopyChangesAloneWhenWritten() {
        var copy = device
        #expect(copy == device)
        copy.driver = DriverName.vfioPCI
        copy.sriov.totalVFs = 4
        #expect(device.driver == DriverName("e1000e") && device.sriov.totalVFs == nil)
        #expect(copy.driver == DriverName.vfioPCI && copy.sriov.totalVFs == 4)
        #expect(copy != device)
        copy.driver = DriverName("e1000e")
        copy.sriov.totalVFs = nil
        #expect(copy == device)
    }

    /// Test failures print the fields, as they did for a plain struct.
    @Test func itDescribesItsFields() {
        let text = String(describing: device)
        #expect(text.hasPrefix("PCIDevice(address: 0000:01:00.0, identity: "), "\(text)")
        #expect(text.contains("iommuGroup: Optional(7)"), "\(text)")
    }
}
