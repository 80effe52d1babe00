import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Which devices a writing command reads for its selectors: the named devices' group closure when
/// it can, everything otherwise.
@Suite struct GroupClosureSelectionTests {
    typealias S = KernelSimulator.Standard

    private func read(
        _ selectors: [String], wholeSystem: Bool = false, sim: KernelSimulator = .standard()
    )
        throws -> (addresses: [PCIAddress], closure: Bool, fullReads: Int)
    {
        var fullReads = 0
        let result = try GroupClosureReader(sysfs: sim).inventory(
            for: try selectors.map { try DeviceSelector(parsing: $0) },
            wholeSystem: wholeSystem
        ) { () throws(VFIOError) in
            fullReads += 1
            return try sim.inventory()
        }
        return (result.inventory.devices.map(\.address), result.closure, fullReads)
    }

    @Test func addressesReadOnlyTheirGroups() throws {
        let result = try read(["05:01.0", "01:00.0"])
        #expect(result.closure)
        #expect(result.fullReads == 0)
        #expect(Set(result.addresses) == [S.e1000e, S.pciBridge, S.e1000, S.rtl8139])
    }

    @Test func anIdPairReadsEverything() throws {
        let result = try read(["01:00.0", "8086:100e"])
        #expect(!result.closure)
        #expect(result.fullReads == 1)
        #expect(result.addresses.count == 20)
    }

    @Test func theWholeSystemWhenAskedFor() throws {
        let result = try read(["01:00.0"], wholeSystem: true)
        #expect(!result.closure)
        #expect(result.fullReads == 1)
    }
}
