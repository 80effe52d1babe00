import Testing
import VFIOCore

@Suite struct NamesTests {
    @Test(arguments: [
        "vfio-pci", "snd_hda_intel", "8250_lpss", "xhci_hcd", "pcieport", "mlx5_core", "nvme",
        String(repeating: "a", count: 255)
    ])
    func driverNamesAccepted(_ text: String) throws {
        #expect(try #require(DriverName(text)).rawValue == text)
    }

    @Test(arguments: [
        "", ".", "..", "a/b", "/", "../vfio-pci", "vfio pci", "vfio-pci\n", "tab\tname", "del\u{7F}",
        "nul\u{0}", String(repeating: "a", count: 256)
    ])
    func unsafeNamesRejected(_ text: String) {
        #expect(DriverName(text) == nil, "driver \(text.debugDescription)")
        #expect(ModuleName(text) == nil, "module \(text.debugDescription)")
    }

    @Test func driverNamesAreNotNormalised() {
        #expect(DriverName("vfio-pci") != DriverName("vfio_pci"))
        #expect(DriverName("vfio-pci")?.description == "vfio-pci")
    }

    @Test func moduleNamesNormaliseDashesLikeKmod() throws {
        let module = try #require(ModuleName("vfio-pci"))
        #expect(module.rawValue == "vfio_pci")
        #expect(module == ModuleName("vfio_pci"))
        #expect(ModuleName("xe-vfio-pci")?.rawValue == "xe_vfio_pci")
        #expect(ModuleName("snd_hda_intel")?.rawValue == "snd_hda_intel")
        #expect(ModuleName("a-b_c-")?.description == "a_b_c_")
    }

    @Test func wellKnownDrivers() {
        #expect(DriverName.vfioPCI.rawValue == "vfio-pci")
        #expect(DriverName.pciStub.rawValue == "pci-stub")
        #expect(DriverName.pcieport.rawValue == "pcieport")
    }

    @Test func namesSortByText() {
        let drivers = ["vfio-pci", "e1000e", "nvme"].compactMap { DriverName($0) }.sorted().map(\.rawValue)
        #expect(drivers == ["e1000e", "nvme", "vfio-pci"])
        let modules = ["vfio-pci", "amdgpu"].compactMap { ModuleName($0) }.sorted().map(\.rawValue)
        #expect(modules == ["amdgpu", "vfio_pci"])
    }
}
