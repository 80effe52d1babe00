import Testing
@testable import VFIOCore
@testable import VFIOSystem

extension MatchKernelTests {
    @Suite("LoadedModules")
    struct LoadedModulesTests {
        private func sysfs() -> KernelFixtures.MemorySysfs {
            var sysfs = KernelFixtures.MemorySysfs()
            sysfs.addModule("vfio_pci", initstate: "live", drivers: ["vfio-pci"])
            sysfs.addModule("test_vfio_pci", initstate: "live", drivers: ["test-vfio-pci"])
            sysfs.addModule("e1000e", initstate: "live", drivers: ["e1000e"])
            sysfs.addModule("xe_vfio_pci", initstate: "coming")
            sysfs.addModule("pcieport", initstate: nil, drivers: ["pcieport"])  // built in
            sysfs.addModule("vfio", initstate: "live")
            for (driver, module) in [
                ("vfio-pci", "vfio_pci"), ("test-vfio-pci", "test_vfio_pci"), ("e1000e", "e1000e"),
                ("pcieport", "pcieport"), ("nvme", "nvme")
            ] {
                sysfs.addDriver(driver, module: module)
            }
            sysfs.addDriver("shpchp", module: nil)
            return sysfs
        }

        @Test("module to driver names and back, and load state")
        func snapshot() {
            let loaded = LoadedModules(sysfs: sysfs())
            #expect(loaded.warnings.isEmpty)
            #expect(loaded.driverNames(of: KernelFixtures.module("vfio_pci")) == [DriverName.vfioPCI])
            #expect(loaded.driverNames(of: KernelFixtures.module("test-vfio-pci")).map(\.rawValue) == ["test-vfio-pci"])
            #expect(loaded.module(ofDriver: DriverName("test-vfio-pci")!)?.rawValue == "test_vfio_pci")
            #expect(loaded.isLoaded(KernelFixtures.module("vfio_pci")))
            #expect(loaded.isLoaded(KernelFixtures.module("pcieport")))
            #expect(loaded.state(of: KernelFixtures.module("pcieport")) == .builtin)
            #expect(!loaded.isLoaded(KernelFixtures.module("xe_vfio_pci")))
            #expect(loaded.state(of: KernelFixtures.module("xe_vfio_pci")) == .coming)
            #expect(!loaded.isLoaded(KernelFixtures.module("mlx5_vfio_pci")))
            // A driver whose module link exists although /sys/module/nvme was not listed.
            #expect(loaded.module(ofDriver: DriverName("nvme")!)?.rawValue == "nvme")
            #expect(loaded.driverNames(of: KernelFixtures.module("nvme")).map(\.rawValue) == ["nvme"])
            #expect(loaded.module(ofDriver: DriverName("shpchp")!) == nil)
            let (name, confirmed) = loaded.driverName(for: KernelFixtures.module("test_vfio_pci"))
            #expect(name.rawValue == "test-vfio-pci" && confirmed)
        }

        /// A plan asks about a handful of modules: the others' `initstate` is never read (it was a
        /// few hundred sysfs calls per command).
        @Test("only the modules asked about have their state read")
        func onlyTheModulesAskedAboutAreRead() {
            var sysfs = sysfs()
            sysfs.unreadable = ["module/e1000e/initstate", "module/vfio/initstate"]
            let loaded = LoadedModules(sysfs: sysfs)
            #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
            #expect(loaded.isLoaded(KernelFixtures.module("vfio_pci")))
            // Asked about, an unreadable state is what the driver links say, as before: a module a
            // driver links to is there; one without drivers is unknown, not loaded.
            #expect(loaded.state(of: KernelFixtures.module("e1000e")) == .builtin)
            #expect(loaded.state(of: KernelFixtures.module("vfio")) == nil)
            #expect(loaded.driverNames(of: KernelFixtures.module("e1000e")).map(\.rawValue) == ["e1000e"])
        }

        @Test("predicted driver names: known exceptions, otherwise the module name")
        func predictions() {
            let loaded = LoadedModules()
            #expect(loaded.predictedDriverName(for: KernelFixtures.module("vfio_pci")) == .vfioPCI)
            #expect(loaded.predictedDriverName(for: KernelFixtures.module("pci-stub")) == .pciStub)
            #expect(loaded.predictedDriverName(for: KernelFixtures.module("xe_vfio_pci")).rawValue == "xe-vfio-pci")
            #expect(loaded.predictedDriverName(for: KernelFixtures.module("mlx5_vfio_pci")).rawValue == "mlx5_vfio_pci")
            let (name, confirmed) = loaded.driverName(for: KernelFixtures.module("xe_vfio_pci"))
            #expect(name.rawValue == "xe-vfio-pci" && !confirmed)
        }

        @Test("a missing /sys/module is an empty snapshot, not an error")
        func empty() {
            let loaded = LoadedModules(sysfs: KernelFixtures.MemorySysfs())
            #expect(loaded.warnings.isEmpty)
            #expect(!loaded.isLoaded(KernelFixtures.module("vfio_pci")))
        }

        @Test("this machine's /sys reads without errors")
        func realSysfs() {
            let loaded = LoadedModules(sysfs: LiveSysfs(root: "/sys"))
            #expect(loaded.warnings.isEmpty, "\(loaded.warnings.prefix(5))")
        }
    }
}
