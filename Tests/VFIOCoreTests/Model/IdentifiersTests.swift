import TestSupport
import Testing
import VFIOCore

@Suite struct IdentifiersTests {
    @Test func vendorAndDeviceIDsAcceptSysfsAndUserSpellings() {
        #expect(VendorID("0x8086")?.rawValue == 0x8086)
        #expect(VendorID("8086")?.rawValue == 0x8086)
        #expect(VendorID("0X10DE")?.rawValue == 0x10DE)
        #expect(VendorID("10de")?.rawValue == 0x10DE)
        #expect(DeviceID("0x1b80")?.rawValue == 0x1B80)
        #expect(DeviceID("0x0000")?.rawValue == 0)
        #expect(DeviceID("ffff")?.rawValue == 0xFFFF)
    }

    @Test(arguments: [
        "", "0x", "x8086", "0x8086\n", " 8086", "8086 ", "-1", "+8086", "0x10000", "10000", "80 86", "0xg086",
        "0x-1"
    ])
    func vendorIDRejects(_ text: String) {
        #expect(VendorID(text) == nil, "accepted \(text.debugDescription)")
        #expect(DeviceID(text) == nil, "accepted \(text.debugDescription)")
    }

    @Test func idsPrintAsFourLowercaseDigits() {
        #expect(VendorID(0xA).description == "000a")
        #expect(VendorID(0x10DE).description == "10de")
        #expect(DeviceID(0x1B80).description == "1b80")
        #expect(VendorID(0x10DE) < VendorID(0x8086))
    }

    @Test func classCodeSplitsIntoItsThreeBytes() throws {
        let xhci = try #require(ClassCode("0x0c0330"))
        #expect(xhci.rawValue == 0x0C0330)
        #expect(xhci.baseClass == 0x0C)
        #expect(xhci.subclass == 0x03)
        #expect(xhci.interface == 0x30)
        #expect(xhci.classAndSubclass == 0x0C03)
        #expect(xhci.description == "0c0330")
        #expect(ClassCode("020000")?.rawValue == 0x020000)
        #expect(ClassCode("0x10802")?.rawValue == 0x010802)
    }

    @Test func classCodeRejectsValuesPast24Bits() {
        #expect(ClassCode("0x1000000") == nil)
        #expect(ClassCode(UInt32(0x100_0000)) == nil)
        #expect(ClassCode(UInt32(0xFF_FFFF)) != nil)
        #expect(ClassCode("") == nil)
        #expect(ClassCode("0x02 0000") == nil)
    }

    @Test(
        arguments: [
            (0x06_04_00, true), (0x06_04_01, true), (0x06_07_00, true), (0x06_09_40, true),
            (0x06_00_00, false), (0x06_01_00, false), (0x03_00_00, false), (0x02_00_00, false)
        ] as [(UInt32, Bool)])
    func bridgesAreRecognisedByClass(_ value: UInt32, _ isBridge: Bool) throws {
        #expect(try #require(ClassCode(value)).isBridge == isBridge)
    }

    @Test func revisionIsOneByte() {
        #expect(Revision("0x03")?.rawValue == 3)
        #expect(Revision("0xa1")?.rawValue == 0xA1)
        #expect(Revision("0x100") == nil)
        #expect(Revision(0xA1).description == "a1")
        #expect(Revision(0x3).description == "03")
    }

    @Test func modaliasIsTheKernelsFormat() {
        let identity = PCIIdentity(
            vendor: VendorID(0x8086), device: DeviceID(0x10D3), subsystemVendor: VendorID(0x8086),
            subsystemDevice: DeviceID(0xA01F), classCode: FakeClass.ethernet, revision: Revision(0))
        #expect(identity.modalias.rawValue == "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00")
        let xhci = PCIIdentity(
            vendor: VendorID(0x8086), device: DeviceID(0xA36D), subsystemVendor: VendorID(0x1043),
            subsystemDevice: DeviceID(0x8694), classCode: FakeClass.usbXHCI)
        #expect(xhci.modalias.description == "pci:v00008086d0000A36Dsv00001043sd00008694bc0Csc03i30")
    }

    /// The library's formatting against the fixture's independent formatting, for every device of the
    /// busiest scenario.
    @Test func modaliasMatchesWhatTheFakeKernelWrites() {
        for device in FakeScenario.workstation.tree.devices {
            #expect(device.identity.modalias.rawValue == device.modalias, "\(device.address)")
        }
    }

    /// `bind` and `unbind` take a device's ids and class from its modalias alone.
    @Test func modaliasSpellsOutTheIdentity() throws {
        for device in FakeScenario.workstation.tree.devices {
            let identity = try #require(Modalias(device.modalias)?.pciIdentity, "\(device.address)")
            let expected = device.identity
            #expect(identity.vendor == expected.vendor && identity.device == expected.device, "\(device.address)")
            #expect(identity.subsystemVendor == expected.subsystemVendor, "\(device.address)")
            #expect(identity.subsystemDevice == expected.subsystemDevice, "\(device.address)")
            #expect(identity.classCode == expected.classCode, "\(device.address)")
        }
        let good = "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"
        #expect(Modalias(good)?.pciIdentity?.subsystemDevice == DeviceID(0xA01F))
        for bad in [
            good + "0", String(good.dropLast()), good.replacingOccurrences(of: "sv", with: "sx"),
            good.replacingOccurrences(of: "v00008086d", with: "v00018086d"),
            good.replacingOccurrences(of: "i00", with: "i0G"), "pci:v*d*sv*sd*bc*sc*i*"
        ] {
            #expect(Modalias(bad)?.pciIdentity == nil, "\(bad)")
        }
    }

    @Test func modaliasParsingAcceptsOnlyPCIAliases() {
        #expect(Modalias("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00") != nil)
        #expect(Modalias("usb:v046Dp0825d0012dcEFdsc02dp01ic0Eisc01ip00in00") == nil)
        #expect(Modalias("pci:v0000/../etc") == nil)
        #expect(Modalias("pci:v" + String(repeating: "0", count: 123)) == nil)
        #expect(Modalias("") == nil)
    }

    @Test func identityDefaultsRevisionToZero() {
        let identity = PCIIdentity(
            vendor: VendorID(1), device: DeviceID(2), subsystemVendor: VendorID(3),
            subsystemDevice: DeviceID(4), classCode: FakeClass.vga)
        #expect(identity.revision == Revision(0))
    }

    @Test func iommuGroupsAreDecimal() {
        #expect(IOMMUGroup("12")?.number == 12)
        #expect(IOMMUGroup("0")?.number == 0)
        #expect(IOMMUGroup("") == nil)
        #expect(IOMMUGroup("-1") == nil)
        #expect(IOMMUGroup("+1") == nil)
        #expect(IOMMUGroup("1a") == nil)
        #expect(IOMMUGroup(" 1") == nil)
        #expect(IOMMUGroup("99999999999999999999999") == nil)
        #expect(IOMMUGroup(2) < IOMMUGroup(10))
        #expect(IOMMUGroup(7).description == "7")
    }
}
