import TestSupport
import Testing
import VFIOCore
import VFIOSystem

/// Which drivers count as VFIO drivers, read from the kernel (`VFIODriverSet(sysfs:)`): the holders
/// of vfio_pci_core name the loaded variants.
@Suite struct VFIODriverSetSysfsTests {
    /// A variant whose name does not say "vfio": only the kernel's module holders reveal it.
    private static let quietVariant = KernelSimulator.ModuleSpec.vfioVariant(
        "acme_pt", driver: "acme-pt", ids: [(0x8086, 0x100E)])

    @Test func aLoadedVariantIsKnownFromTheHoldersOfVfioPciCore() throws {
        let sim = KernelSimulator.Builder.standard().adding(Self.quietVariant, loaded: true).build()
        let drivers = VFIODriverSet(sysfs: sim)
        let acme = DriverName("acme-pt")!
        #expect(drivers.loaded.contains(acme))
        #expect(drivers.isVFIO(acme))
        #expect(drivers.isHarmlessForVFIO(acme))
    }

    @Test func aVariantNotLoadedIsNotRecognisedUnlessItsNameSaysVFIO() throws {
        let sim = KernelSimulator.Builder.standard().adding(Self.quietVariant, loaded: false).build()
        let drivers = VFIODriverSet(sysfs: sim)
        #expect(drivers.loaded == [.vfioPCI])
        #expect(!drivers.isVFIO(DriverName("acme-pt")!))
        #expect(drivers.isVFIO(DriverName("mlx5_vfio_pci")!))
        #expect(drivers.isVFIO(DriverName("xe-vfio-pci")!))
    }

    @Test func aTreeWithoutModuleDirectoriesKnowsOnlyVfioPci() throws {
        let sim = KernelSimulator.Builder.standard().build()
        // vfio_pci_core is not loaded on the standard machine: no holders directory to read.
        #expect(VFIODriverSet(sysfs: sim).loaded == [.vfioPCI])
    }
}
