#if canImport(Glibc)
import Glibc
#endif
import VFIOCore
import VFIOSystem

/// The standard simulated machine, a module directory that knows its drivers (with the test variant
/// aliased to the e1000e), a state directory, and an engine over all of it.
public final class EngineFixture: @unchecked Sendable {
    public let sim: KernelSimulator
    public let tree = TemporaryTree()
    public var host = HostState()
    public let state: StateStore

    public typealias S = KernelSimulator.Standard

    public init(_ sim: KernelSimulator = .standard()) {
        self.sim = sim
        state = StateStore(directory: tree.path + "/state")
        let modules = ["vfio_pci", "pci_stub", "test_vfio_pci", "e1000e", "e1000", "8139cp", "nvme", "virtio_pci"]
        tree.file("modules/6.1.0-sim/modules.dep", modules.map { "kernel/\($0).ko:\n" }.joined())
        tree.file("modules/6.1.0-sim/modules.builtin", "kernel/drivers/pci/pcie/portdrv.ko\n")
        tree.file(
            "modules/6.1.0-sim/modules.alias",
            """
            alias vfio_pci:v00008086d000010D3sv*sd*bc*sc*i* test_vfio_pci
            alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci
            alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e
            alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000
            alias pci:v000010ECd00008139sv*sd*bc*sc*i* 8139cp
            alias pci:v*d*sv*sd*bc01sc08i02* nvme

            """)
    }

    public func planner() throws -> DriverPlanner {
        DriverPlanner(
            kernel: try KernelModuleIndex(modulesDirectory: tree.path + "/modules/6.1.0-sim"),
            modprobe: try ModprobeConfig(directories: []), loaded: LoadedModules(sysfs: sim),
            rules: RuleSet(rules: []), platform: Platform(architecture: "x86_64", kernelVersion: "6.1.0-sim"))
    }

    public func engine() -> BindEngine {
        BindEngine(kernel: sim, store: state, host: host, vfioDrivers: VFIODriverSet(sysfs: sim))
    }

    public var options: BindEngine.Options {
        var options = BindEngine.Options()
        options.waitForUdev = false
        options.timeout = 1
        options.lockTimeout = 5
        return options
    }

    /// Binds through the plans (or an explicit driver) as the CLI does.
    public func bind(
        _ addresses: [PCIAddress], driver: String? = nil, configure: (inout BindEngine.Options) -> Void = { _ in }
    )
        throws -> OperationReport
    {
        let inventory = try sim.inventory()
        let planner = try planner()
        let request = { (device: PCIDevice) -> BindEngine.Request in
            let plan = planner.plan(device)
            return BindEngine.Request(
                device: device, chain: driver.map { planner.explicitChain($0) } ?? plan.chain,
                blocked: plan.blocked)
        }
        var options = self.options
        configure(&options)
        return engine().bind(
            addresses.map { inventory[$0]! }.map(request), inventory: inventory, companions: request,
            options: options)
    }

    /// Unbinds as the CLI does: the host modules come from the alias tables, read on first use.
    public func unbind(
        _ addresses: [PCIAddress], hostModules: HostModuleLookup? = nil,
        configure: (inout BindEngine.Options) -> Void = { _ in }
    ) throws -> OperationReport {
        let inventory = try sim.inventory()
        let modulesDirectory = tree.path + "/modules/6.1.0-sim"
        let lookup = hostModules ?? HostModuleLookup { try? KernelModuleIndex(modulesDirectory: modulesDirectory) }
        var options = self.options
        configure(&options)
        return engine().unbind(
            addresses.map { address in
                BindEngine.ReleaseRequest(device: inventory[address]!) { lookup.modules(for: inventory[address]!) }
            }, options: options)
    }

    public var journalExists: Bool { access(state.directory + "/journal.toml", F_OK) == 0 }

    /// Two VFs of the NVMe PF, created and bound to vfio-pci: the VFs, the inventory read then,
    /// and the first VF's IOMMU group.
    public func twoVFsOnVFIO() throws -> (vfs: [PCIAddress], inventory: DeviceInventory, group: IOMMUGroup) {
        let inventory = try sim.inventory()
        let created = engine().setVirtualFunctions(inventory[S.nvme]!, count: 2, inventory: inventory, options: options)
        if let error = created.error { throw error }
        let vfs = sim.virtualFunctions(of: S.nvme)
        if let error = try bind(vfs, driver: "vfio-pci").error { throw error }
        let bound = try sim.inventory()
        guard let group = bound[vfs[0]]?.iommuGroup else { throw VFIOError(.failed, "the VF has no IOMMU group") }
        return (vfs, bound, group)
    }
}
