import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// What each device argument and filter selects on the standard simulated machine (see
/// `KernelSimulator.standard()` for its table of devices, drivers and groups).
@Suite struct DeviceSelectorTests {
    typealias S = KernelSimulator.Standard

    let inventory: DeviceInventory

    init() throws {
        inventory = try KernelSimulator.standard().inventory()
    }

    private func select(
        _ selectors: [String] = [], class classText: String? = nil, driver: String? = nil,
        group: Int? = nil
    ) throws -> [PCIAddress] {
        let query = DeviceQuery(
            selectors: try selectors.map { try DeviceSelector(parsing: $0) },
            classFilter: try classText.map { try ClassFilter(parsing: $0) },
            driver: try driver.map { try DeviceQuery.DriverFilter(parsing: $0) },
            group: group.map(IOMMUGroup.init))
        return try query.select(from: inventory).map(\.address)
    }

    // MARK: DeviceSelector

    @Test func anAddressParsesToThatAddressInEitherForm() throws {
        #expect(try DeviceSelector(parsing: "01:00.0") == .address(S.e1000e))
        #expect(try DeviceSelector(parsing: "0000:01:00.0") == .address(S.e1000e))
        #expect(try DeviceSelector(parsing: "0000:05:02.0") == .address(S.rtl8139))
    }

    @Test func idPairsParseToVendorAndDevice() throws {
        #expect(try DeviceSelector(parsing: "8086:10d3") == .ids(VendorID(0x8086), DeviceID(0x10D3)))
        #expect(try DeviceSelector(parsing: "1AF4:1041") == .ids(VendorID(0x1AF4), DeviceID(0x1041)))
        #expect(try DeviceSelector(parsing: "1af4:") == .ids(VendorID(0x1AF4), nil))
        #expect(try DeviceSelector(parsing: "1af4:*") == .ids(VendorID(0x1AF4), nil))
    }

    @Test func anAddressSelectorMatchesOnlyItsDevice() throws {
        let selector = try DeviceSelector(parsing: "01:00.0")
        let matched = inventory.devices.filter(selector.matches).map(\.address)
        #expect(matched == [S.e1000e])
    }

    @Test func anIdPairMatchesEveryFunctionWithThoseIds() throws {
        // Two virtio-net functions, on two different buses.
        let selector = try DeviceSelector(parsing: "1af4:1041")
        #expect(inventory.devices.filter(selector.matches).map(\.address) == [S.virtioNet, S.multifunctionNet])
    }

    @Test func aVendorSelectorMatchesEveryDeviceOfThatVendorAndNoOther() throws {
        let selector = try DeviceSelector(parsing: "8086:")
        let matched = inventory.devices.filter(selector.matches).map(\.address)
        #expect(matched == [S.hostBridge, S.lpc, S.ahci, S.smbus, S.e1000e, S.e1000])
    }

    @Test func aDeviceIdOfAnotherVendorDoesNotMatch() throws {
        // 10d3 is the e1000e's device id, but under Intel's vendor id only.
        let selector = try DeviceSelector(parsing: "1af4:10d3")
        #expect(!inventory.devices.contains(where: selector.matches))
    }

    // MARK: ClassFilter

    @Test(
        arguments: [
            ("net", 0x02, 2), ("NET", 0x02, 2), ("storage", 0x01, 2), ("gpu", 0x03, 2), ("audio", 0x0403, 4),
            ("usb", 0x0C03, 4), ("02", 0x02, 2), ("0x02", 0x02, 2), ("0200", 0x0200, 4), ("010802", 0x010802, 6),
            ("0X0C", 0x0C, 2)
        ] as [(String, UInt32, Int)])
    func classFiltersParseToAPrefixOfTheClassCode(_ text: String, _ prefix: UInt32, _ digits: Int) throws {
        let filter = try ClassFilter(parsing: text)
        #expect(filter.prefix == prefix)
        #expect(filter.digits == digits)
    }

    @Test(arguments: ["", "2", "020", "02000", "0200000", "0x", "zz", "network", "0x0x02", " 02", "-2"])
    func otherClassTextIsAUsageError(_ text: String) {
        #expect { try ClassFilter(parsing: text) } throws: { ($0 as? VFIOError)?.status == .usage }
    }

    @Test func aClassPrefixMatchesOnItsOwnDigitsOnly() throws {
        // 01 takes the AHCI (010601) and the NVMe (010802); 0108 only the NVMe; 010601 only the AHCI.
        #expect(try select(class: "01") == [S.ahci, S.nvme])
        #expect(try select(class: "0108") == [S.nvme])
        #expect(try select(class: "010601") == [S.ahci])
        #expect(try select(class: "storage") == [S.ahci, S.nvme])
    }

    @Test func theNetClassSelectsTheNetworkControllers() throws {
        #expect(try select(class: "net") == [S.e1000e, S.virtioNet, S.e1000, S.rtl8139, S.multifunctionNet])
    }

    // MARK: DriverFilter

    @Test func driverNoneSelectsTheDevicesWithoutADriver() throws {
        #expect(try DeviceQuery.DriverFilter(parsing: "none") == .unbound)
        #expect(try select(driver: "none") == [S.hostBridge, S.edu, S.pciBridge])
    }

    @Test func aDriverNameSelectsItsDevices() throws {
        #expect(
            try select(driver: "virtio-pci") == [S.ninePRoot, S.ninePIO, S.virtioNet, S.multifunctionNet, S.virtioRNG])
        #expect(try select(driver: "vfio-pci") == [])
    }

    @Test(arguments: ["", "..", "a/b", "."])
    func aDriverThatCannotBeADriverNameIsAUsageError(_ text: String) {
        #expect { try DeviceQuery.DriverFilter(parsing: text) } throws: { ($0 as? VFIOError)?.status == .usage }
    }

    // MARK: DeviceQuery

    @Test func noSelectorAndNoFilterSelectsEveryDeviceInBusOrder() throws {
        #expect(try select() == inventory.devices.map(\.address))
        #expect(try select().count == 20)
    }

    @Test func anAddressThatNamesNoDeviceIsNotFound() throws {
        #expect { try select(["0000:09:00.0"]) } throws: { ($0 as? VFIOError)?.status == .notFound }
        // Even next to an address that exists: a script that names a device means that device.
        #expect { try select(["01:00.0", "09:00.0"]) } throws: { ($0 as? VFIOError)?.status == .notFound }
    }

    @Test func anIdPairThatMatchesNothingSelectsNothing() throws {
        #expect(try select(["dead:beef"]) == [])
    }

    @Test func selectorsAreAUnionInBusOrderWithoutDuplicates() throws {
        let selected = try select(["05:02.0", "01:00.0", "8086:10d3", "0000:01:00.0", "1234:"])
        #expect(selected == [S.edu, S.e1000e, S.rtl8139])
    }

    @Test func filtersNarrowTheSelectors() throws {
        // Intel's devices, only the network ones, only on e1000: the 82540EM behind the PCI bridge.
        #expect(try select(["8086:"], class: "net", driver: "e1000") == [S.e1000])
        // An address outside the filter is not selected (and not an error: it exists).
        #expect(try select(["01:00.0"], class: "storage") == [])
    }

    @Test func aGroupFilterSelectsThatGroupsMembers() throws {
        #expect(try select(group: 13) == [S.pciBridge, S.e1000, S.rtl8139])
        #expect(try select(driver: "ahci", group: 9) == [S.ahci])
        #expect(try select(group: 99) == [])
    }
}
