import Testing
import TestSupport
import VFIOCore
import VFIOSystem

/// Binding many devices to one module asks sysfs about that module once per command: whether it
/// is loaded (`/sys/module/NAME/initstate`) and which PCI driver it registered
/// (`/sys/module/NAME/drivers`), in a dry run as in a real one.
@Suite struct ModuleLookupTests {
    typealias S = KernelSimulator.Standard

    /// The standard machine with the NVMe PF's four VFs enabled (unbound), vfio_pci loaded or not.
    private func machine(vfioLoaded: Bool) -> (EngineFixture, CountingModuleReads, [PCIAddress]) {
        var builder = KernelSimulator.Builder.standard().enablingVFs(of: S.nvme.description, count: 4)
        if vfioLoaded { builder = builder.loading("vfio_pci") }
        let fixture = EngineFixture(builder.build())
        return (fixture, CountingModuleReads(fixture.sim), (0..<4).map(S.nvmeVF))
    }

    private func bind(
        _ addresses: [PCIAddress], in fixture: EngineFixture, through kernel: CountingModuleReads, dryRun: Bool
    ) throws -> OperationReport {
        let inventory = try fixture.sim.inventory()
        let planner = try fixture.planner()
        let request = { (device: PCIDevice) in
            BindEngine.Request(device: device, chain: planner.explicitChain("vfio-pci"))
        }
        var options = fixture.options
        options.dryRun = dryRun
        let engine = BindEngine(
            kernel: kernel, store: fixture.state, host: fixture.host, vfioDrivers: VFIODriverSet(sysfs: kernel))
        return engine.bind(
            addresses.map { inventory[$0]! }.map(request), inventory: inventory, companions: request, options: options)
    }

    /// What is read below `/sys/module` for one device is all that is read for four.
    @Test(arguments: [true, false])
    func aLoadedModuleIsLookedAtOnce(dryRun: Bool) throws {
        var reads: [[String: Int]] = []
        for count in [1, 4] {
            let (fixture, kernel, vfs) = machine(vfioLoaded: true)
            let report = try bind(Array(vfs.prefix(count)), in: fixture, through: kernel, dryRun: dryRun)
            #expect(report.error == nil, "\(report.error?.description ?? "")")
            #expect(report.devices.map(\.to) == Array(repeating: DriverName("vfio-pci"), count: count))
            reads.append(kernel.moduleReads)
        }
        #expect(reads[0]["module/vfio_pci/initstate"] == 1, "\(reads[0])")
        #expect(reads[1] == reads[0])
    }

    /// A dry run loads nothing, so a module not loaded stays so for every device it names.
    @Test func aDryRunAsksOnceAboutAModuleNotLoaded() throws {
        let (fixture, kernel, vfs) = machine(vfioLoaded: false)
        let report = try bind(vfs, in: fixture, through: kernel, dryRun: true)
        #expect(report.error == nil, "\(report.error?.description ?? "")")
        #expect(report.devices.allSatisfy { $0.message == "would load module vfio_pci first (modprobe vfio_pci)" })
        #expect(kernel.moduleReads["module/vfio_pci/initstate"] == 1, "\(kernel.moduleReads)")
        #expect(fixture.sim.moduleLoads.isEmpty)
    }

    /// A real run loads the module for the first device, asks again whether it is loaded now, and
    /// binds the others to the driver it registered without asking: as much is read for four
    /// devices as for one.
    @Test func aRealRunLoadsTheModuleOnce() throws {
        var reads: [[String: Int]] = []
        for count in [1, 4] {
            let (fixture, kernel, vfs) = machine(vfioLoaded: false)
            let bound = Array(vfs.prefix(count))
            let report = try bind(bound, in: fixture, through: kernel, dryRun: false)
            #expect(report.error == nil, "\(report.error?.description ?? "")")
            #expect(fixture.sim.moduleLoads == [ModuleName("vfio_pci")!])
            #expect(bound.allSatisfy { fixture.sim.driver(of: $0) == DriverName("vfio-pci") })
            reads.append(kernel.moduleReads)
        }
        #expect(reads[1] == reads[0])
    }
}

/// The simulator, counting the reads and listings below `module/`.
private final class CountingModuleReads: KernelAccess, @unchecked Sendable {
    let inner: KernelSimulator
    private(set) var moduleReads: [String: Int] = [:]
    init(_ inner: KernelSimulator) { self.inner = inner }

    private func count(_ path: String) {
        if path.hasPrefix("module/") { moduleReads[path, default: 0] += 1 }
    }
    var canLoadModules: Bool { inner.canLoadModules }
    func loadModule(_ module: ModuleName) throws(VFIOError) { try inner.loadModule(module) }
    func deviceNodeExists(_ path: String) -> Bool { inner.deviceNodeExists(path) }
    func read(_ path: String) throws(SysfsError) -> String {
        count(path)
        return try inner.read(path)
    }
    func readLink(_ path: String) throws(SysfsError) -> String { try inner.readLink(path) }
    func list(_ path: String) throws(SysfsError) -> [SysfsEntry] {
        count(path)
        return try inner.list(path)
    }
    func write(_ path: String, _ value: String) throws(SysfsError) { try inner.write(path, value) }
    func boundedWrite(_ path: String, _ value: String, timeout: Double) throws(SysfsError) -> BoundedWrite {
        try inner.boundedWrite(path, value, timeout: timeout)
    }
    func writeIsPending(pid: Int) -> Bool { inner.writeIsPending(pid: pid) }
    func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory { try inner.openDirectory(path) }
    func displayPath(_ path: String) -> String { inner.displayPath(path) }
}
