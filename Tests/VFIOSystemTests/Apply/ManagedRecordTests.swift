@testable import VFIOCore
@testable import VFIOSystem
import Testing

/// The managed-device and journal files are TOML vfioctl writes by hand: a name that needs escaping
/// must come back exactly as it went in.
@Suite struct ManagedRecordTests {
    @Test func namesWithQuotesAndBackslashesRoundTrip() throws {
        let odd = try #require(DriverName("odd\"drv\\x"))
        let device = ManagedDevice(
            address: try #require(PCIAddress("0000:01:00.0")), vendor: VendorID(0x8086), device: DeviceID(0x10d3),
            original: DeviceBinding(driver: odd, override: odd), driver: try #require(DriverName("vfio-pci")),
            since: 1_700_000_000)
        let text = ManagedDevice.encodeAll([device])
        #expect(text.contains(#"original_driver = "odd\"drv\\x""#), "\(text)")
        #expect(try ManagedDevice.decodeAll(text, file: "managed.toml") == [device])
        #expect(TOMLText.quote("plain") == #""plain""#)
        #expect(TOMLText.quote("a\nb") == #""a\nb""#)
        // Escaping works on bytes: characters beyond ASCII pass through whole.
        #expect(TOMLText.quote("é\"ü") == #""é\"ü""#)
    }

    @Test func theJournalRoundTripsOddNames() throws {
        let odd = try #require(DriverName("odd\"drv\\x"))
        let identity = PCIIdentity(
            vendor: VendorID(0x8086), device: DeviceID(0x10d3), subsystemVendor: VendorID(0x1af4),
            subsystemDevice: DeviceID(0x1100), classCode: try #require(ClassCode(0x020000)), revision: nil)
        let journal = Journal(
            operation: "bind \"quoted\"", pid: 42, started: 1_700_000_000,
            entries: [
                Journal.Entry(
                    address: try #require(PCIAddress("0000:01:00.0")), identity: identity,
                    original: DeviceBinding(driver: odd, override: nil), target: DriverName("vfio-pci"), moving: true),
                Journal.Entry(
                    address: try #require(PCIAddress("0000:01:00.1")), identity: identity,
                    original: DeviceBinding(driver: nil, override: odd), target: nil)
            ])
        #expect(try Journal.decode(journal.encoded(), file: "journal.toml") == journal)
    }
}
