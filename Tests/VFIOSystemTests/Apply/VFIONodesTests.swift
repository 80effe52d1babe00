import Testing
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// The nodes a bind result, `show` and `status` list: the group node, the container, the device cdev
/// and `/dev/iommu`, whichever the kernel makes.
@Suite struct VFIONodesTests {
    typealias S = KernelSimulator.Standard

    @Test func groupKernelListsGroupNodeAndContainer() throws {
        let f = EngineFixture()
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil)
        #expect(report.devices.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio"])
        #expect(report.devices.first?.deviceNode == "/dev/vfio/10")
        let json = compact(OperationJSON.report(report))
        #expect(json.contains(#""device_node":"/dev/vfio/10""#))
        #expect(json.contains(#""nodes":["/dev/vfio/10","/dev/vfio/vfio"]"#))
        #expect(OperationText.report(report, verbose: false).contains("(group 10, /dev/vfio/10, /dev/vfio/vfio)"))
    }

    @Test func cdevKernelListsTheCdevNextToTheGroupNode() throws {
        let f = EngineFixture(KernelSimulator.Builder.standard().vfioNodes(groups: true, deviceCdevs: true).build())
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil)
        #expect(report.devices.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio", "/dev/vfio/devices/vfio0"])
        #expect(report.devices.first?.deviceNode == "/dev/vfio/10")
    }

    @Test func cdevOnlyKernelListsTheCdev() throws {
        let f = EngineFixture(KernelSimulator.Builder.standard().vfioNodes(groups: false, deviceCdevs: true).build())
        let report = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(report.error == nil)
        #expect(report.devices.first?.nodes.all == ["/dev/vfio/devices/vfio0"])
        #expect(report.devices.first?.deviceNode == "/dev/vfio/devices/vfio0")
    }

    @Test func alreadyBoundReportsItsNodesAndReleaseNone() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let again = try f.bind([S.e1000e], driver: "vfio-pci")
        #expect(again.devices.first?.status == .unchanged)
        #expect(again.devices.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio"])
        let back = try f.unbind([S.e1000e])
        #expect(back.devices.first?.nodes.all == [])
        #expect(compact(OperationJSON.report(back)).contains(#""nodes":[]"#))
    }

    @Test func readerListsOnlyNodesThatExist() throws {
        let sim = KernelSimulator.Builder.standard().vfioNodes(groups: true, deviceCdevs: true).build()
        let reader = VFIONodeReader(kernel: sim)
        #expect(reader.present(S.e1000e, group: sim.group(of: S.e1000e)).perDevice == [])
        let f = EngineFixture(sim)
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let nodes = reader.present(S.e1000e, group: sim.group(of: S.e1000e))
        #expect(nodes.perDevice == ["/dev/vfio/10", "/dev/vfio/devices/vfio0"])
        #expect(reader.missing(nodes) == [])
    }

    @Test func statusListsTheNodesOfBoundDevices() throws {
        let f = EngineFixture()
        _ = try f.bind([S.e1000e], driver: "vfio-pci")
        let reader = VFIONodeReader(kernel: f.sim)
        let entries = try ManagedStatus.read(store: f.state, inventory: try f.sim.inventory()) {
            reader.present($0.address, group: $0.iommuGroup)
        }.get()
        #expect(entries.first?.nodes.all == ["/dev/vfio/10", "/dev/vfio/vfio"])
        #expect(compact(ManagedStatus.json(entries)).contains(#""nodes":["/dev/vfio/10","/dev/vfio/vfio"]"#))
        #expect(ManagedStatus.text(entries).contains("/dev/vfio/10 /dev/vfio/vfio"))
    }

    /// A tree as Debian's 6.1 makes it: `vfio-dev/vfioX` without a `dev` (no cdev node), the group's
    /// class device by its number, one group in no-IOMMU mode, and a crafted `class/vfio` entry that
    /// is a file. The reader finds each group's node by name, and asks about cdevs only until an
    /// entry without a number told it this kernel makes none; the host's nodes are looked up once.
    @Test func readerLooksUpByNameAndAsksOnceWhatEveryDeviceShares() {
        let tree = TemporaryTree()
        let a = PCIAddress("0000:01:00.0")!, b = PCIAddress("0000:01:00.1")!
        let c = PCIAddress("0000:01:00.2")!
        for (address, cdev) in [(a, "vfio0"), (b, "vfio1"), (c, "vfio2")] {
            _ = tree.directory("bus/pci/devices/\(address)/vfio-dev/\(cdev)")
        }
        _ = tree.directory("class/vfio/7")
        _ = tree.directory("class/vfio/noiommu-8")
        _ = tree.file("class/vfio/9", "not a class device")
        for node in ["vfio/7", "vfio/noiommu-8", "vfio/vfio"] { _ = tree.file("dev/" + node, "") }
        let kernel = CountingKernel(LiveKernel(sysfsRoot: tree.path, devRoot: tree.path + "/dev"))
        let reader = VFIONodeReader(kernel: kernel)
        #expect(reader.present(a, group: IOMMUGroup(7)).all == ["/dev/vfio/7", "/dev/vfio/vfio"])
        #expect(reader.present(b, group: IOMMUGroup(8)).all == ["/dev/vfio/noiommu-8", "/dev/vfio/vfio"])
        #expect(reader.expected(c, group: IOMMUGroup(9)).all == ["/dev/vfio/vfio"], "a file is no class device")
        #expect(kernel.lists == ["bus/pci/devices/\(a)/vfio-dev"], "listed until one entry had no dev")
        #expect(kernel.nodeLookups.filter { $0 == VFIONodes.containerPath }.count == 1)
        #expect(kernel.nodeLookups.filter { $0 == VFIONodes.iommufdPath }.count == 1)
    }

    /// The document without its layout, for looking up one key's value.
    private func compact(_ json: JSONValue) -> String { json.rendered().filter { !$0.isWhitespace } }
}

/// A kernel that answers as `inner` does and remembers which directories were listed and which
/// device nodes looked up.
private final class CountingKernel: KernelAccess, @unchecked Sendable {
    let inner: any KernelAccess
    private(set) var lists: [String] = []
    private(set) var nodeLookups: [String] = []
    init(_ inner: any KernelAccess) { self.inner = inner }
    var canLoadModules: Bool { false }
    func loadModule(_ module: ModuleName) throws(VFIOError) { try inner.loadModule(module) }
    func deviceNodeExists(_ path: String) -> Bool {
        nodeLookups.append(path)
        return inner.deviceNodeExists(path)
    }
    func read(_ path: String) throws(SysfsError) -> String { try inner.read(path) }
    func readLink(_ path: String) throws(SysfsError) -> String { try inner.readLink(path) }
    func list(_ path: String) throws(SysfsError) -> [SysfsEntry] {
        lists.append(path)
        return try inner.list(path)
    }
    func write(_ path: String, _ value: String) throws(SysfsError) { try inner.write(path, value) }
    func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory { try inner.openDirectory(path) }
    func displayPath(_ path: String) -> String { inner.displayPath(path) }
}
