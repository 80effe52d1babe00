import Testing
import VFIOCore

@Suite struct PCIAddressTests {
    @Test func parsesTheLongForm() throws {
        let address = try #require(PCIAddress("0000:01:00.0"))
        #expect(address.domain == 0)
        #expect(address.bus == 1)
        #expect(address.device == 0)
        #expect(address.function == 0)
        #expect(address.description == "0000:01:00.0")
    }

    @Test func shortFormMeansDomainZero() throws {
        let short = try #require(PCIAddress("02:1f.7"))
        #expect(short == PCIAddress("0000:02:1f.7"))
        #expect(short.domain == 0)
        #expect(short.description == "0000:02:1f.7")
    }

    @Test func acceptsUppercaseAndPrintsLowercase() throws {
        let address = try #require(PCIAddress("0000:0A:1F.7"))
        #expect(address.bus == 0x0A)
        #expect(address.device == 0x1F)
        #expect(address.function == 7)
        #expect(address.description == "0000:0a:1f.7")
    }

    @Test func acceptsVMDDomainsAboveFFFF() throws {
        let address = try #require(PCIAddress("10000:e0:17.0"))
        #expect(address.domain == 0x10000)
        #expect(address.bus == 0xE0)
        #expect(address.description == "10000:e0:17.0")
    }

    @Test func highestValidAddress() throws {
        let address = try #require(PCIAddress("ffff:ff:1f.7"))
        #expect(address == PCIAddress(domain: 0xFFFF, bus: 0xFF, device: 0x1F, function: 7))
    }

    @Test(arguments: [
        "0000:01:20.0",  // device above 1f
        "01:00.8",  // function above 7
        "01:00.f",
        "zz:00.0",
        "/",
        "..",
        "",
        "0000:00:01:00.0",  // extra colon
        "0000::01:00.0",
        ":01:00.0",
        "0000:01:00.0 ",  // trailing space
        " 0000:01:00.0",
        "0000:01:00.0\n",
        "0000:01: 00.0",
        "0000:01:00",  // no function
        "0000:01:00.",
        "0000:01.00.0",
        "0000:01:00.0.0",
        "0000:001:00.0",  // three-digit bus
        "0000:01:000.0",
        "0000:01:00.00",
        "000000000:01:00.0",  // nine-digit domain
        "0x01:00.0",
        "+1:00.0",
        "-1:00.0",
        "0000:01:00.0/..",
        "../0000:01:00.0",
        "0000:01:00.0/../../etc",
        "pci0000:00",
        "0000:０1:00.0",  // fullwidth digit
        "0000:01:00.\u{301}0"
    ])
    func rejects(_ text: String) {
        #expect(PCIAddress(text) == nil, "accepted \(text.debugDescription)")
    }

    @Test func memberwiseInitialiserChecksRanges() {
        #expect(PCIAddress(domain: 0, bus: 0, device: 32, function: 0) == nil)
        #expect(PCIAddress(domain: 0, bus: 0, device: 0, function: 8) == nil)
        #expect(PCIAddress(domain: 0, bus: 0xFF, device: 31, function: 7) != nil)
    }

    @Test func ordersByDomainBusDeviceFunction() throws {
        let texts = ["0001:00:00.0", "0000:02:00.0", "0000:01:1f.7", "0000:01:02.1", "0000:01:02.0", "0000:00:1f.0"]
        let sorted = texts.compactMap { PCIAddress($0) }.sorted().map(\.description)
        #expect(
            sorted == ["0000:00:1f.0", "0000:01:02.0", "0000:01:02.1", "0000:01:1f.7", "0000:02:00.0", "0001:00:00.0"])
    }

    @Test func functionsOfOneDeviceShareASlot() throws {
        let gpu = try #require(PCIAddress("0000:01:00.0"))
        let audio = try #require(PCIAddress("0000:01:00.1"))
        let other = try #require(PCIAddress("0000:01:01.0"))
        #expect(gpu.slot == audio.slot)
        #expect(gpu.slot != other.slot)
        #expect(gpu.slot.bus == 1 && gpu.slot.device == 0 && gpu.slot.domain == 0)
    }
}
