import VFIOCore
import VFIOSystem

/// A kernel module directory holding every variant driver of the notes in exact file2alias format,
/// plus a few host drivers, and a planner built on it.
public struct PlannerFixture {
    public let tree = TemporaryTree()
    public var modules: String { tree.path + "/lib/modules/6.12.0-test" }

    public static let variantAliases = [
        "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci",
        "alias vfio_pci:v000019E5d0000A256sv*sd*bc*sc*i* hisi_acc_vfio_pci",
        "alias vfio_pci:v000019E5d0000A259sv*sd*bc*sc*i* hisi_acc_vfio_pci",
        "alias vfio_pci:v000019E5d0000A251sv*sd*bc*sc*i* hisi_acc_vfio_pci",
        "alias vfio_pci:v00001DD8d00001003sv*sd*bc*sc*i* pds_vfio_pci",
        "alias vfio_pci:v00001AF4d00001041sv*sd*bc*sc*i* virtio_vfio_pci",
        "alias vfio_pci:v00001AF4d00001042sv*sd*bc*sc*i* virtio_vfio_pci",
        "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci",
        "alias vfio_pci:v000010DEd00002345sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci",
        "alias vfio_pci:v000010DEd00002348sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci",
        "alias vfio_pci:v000010DEd00002941sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci",
        "alias vfio_pci:v000010DEd000031C2sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci",
        "alias vfio_pci:v00008086d00004941sv*sd*bc*sc*i* qat_vfio_pci",
        "alias vfio_pci:v00008086d00004943sv*sd*bc*sc*i* qat_vfio_pci",
        "alias vfio_pci:v00008086d00004945sv*sd*bc*sc*i* qat_vfio_pci",
        "alias vfio_pci:v00008086d0000E211sv*sd*bc*sc*i* xe_vfio_pci",
        "alias vfio_pci:v00001014d000004EDsv*sd*bc*sc*i* ism_vfio_pci",
        // Two made-up variants to exercise partial globs, ties and interface pinning.
        "alias vfio_pci:v00001234d00005678sv*sd*bc02sc00i02* iface_vfio_pci",
        "alias vfio_pci:v00001234d00005678sv*sd*bc02sc00i* class_vfio_pci",
        "alias vfio_pci:v00001234d00009999sv*sd*bc*sc*i* tie_a_vfio_pci",
        "alias vfio_pci:v00001234d00009999sv*sd*bc*sc*i* tie_b_vfio_pci",
        "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci"
    ]

    public static let hostAliases = [
        "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e",
        "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci",
        "alias pci:v*d*sv*sd*bc01sc08i02* nvme",
        "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core"
    ]

    public static let loadable = [
        "mlx5_vfio_pci", "hisi_acc_vfio_pci", "pds_vfio_pci", "virtio_vfio_pci", "nvgrace_gpu_vfio_pci",
        "qat_vfio_pci", "xe_vfio_pci", "ism_vfio_pci", "iface_vfio_pci", "class_vfio_pci",
        "tie_a_vfio_pci", "tie_b_vfio_pci", "vfio_pci", "e1000e", "virtio_pci", "nvme", "mlx5_core"
    ]

    public init(absent: Set<String> = [], builtin: [String] = [], extraAliases: [String] = []) {
        let dep = Self.loadable.filter { !absent.contains($0) }
            .map {
                "kernel/drivers/\($0.replacingOccurrences("_", "-")).ko: kernel/drivers/vfio/pci/vfio-pci-core.ko\n"
            }
            .joined()
        tree.file(
            "lib/modules/6.12.0-test/modules.alias",
            (Self.variantAliases + Self.hostAliases + extraAliases).joined(separator: "\n") + "\n")
        tree.file("lib/modules/6.12.0-test/modules.dep", dep + "kernel/drivers/vfio/pci/vfio-pci-core.ko:\n")
        tree.file("lib/modules/6.12.0-test/modules.builtin", builtin.map { "kernel/drivers/\($0).ko\n" }.joined())
        tree.directory("modprobe.d")
        tree.directory("rules")
    }

    @discardableResult
    public func rule(_ name: String, _ text: String) -> String {
        tree.file("rules/\(name)", text)
    }

    public func blacklist(_ text: String) {
        tree.file("modprobe.d/test.conf", text)
    }

    public func planner(
        loaded: LoadedModules = LoadedModules(), shipped: Bool = false, arch: String = "x86_64",
        scope: AliasScope = .everyDevice
    ) throws -> DriverPlanner {
        var directories: [(String, RulePrecedence)] = []
        if shipped { directories.append((Self.shippedRulesDirectory, .shippedDefaults)) }
        directories.append((tree.path + "/rules", .administrator))
        return DriverPlanner(
            kernel: try KernelModuleIndex(modulesDirectory: modules, scope: scope),
            modprobe: try ModprobeConfig(directories: [tree.path + "/modprobe.d"]),
            loaded: loaded, rules: try RuleSet.load(directories: directories),
            platform: Platform(architecture: arch, kernelVersion: "6.12.0-test"))
    }

    /// The repository's own rules.d, the data vfioctl ships.
    public static var shippedRulesDirectory: String {
        let file = #filePath
        let repo = file.components(separatedBy: "/Tests/")[0]
        return repo + "/rules.d"
    }

    public static func device(
        _ vendor: UInt16, _ device: UInt16, class classCode: UInt32 = 0x020000, address: String = "0000:01:00.0",
        group: Int? = 7, physfn: String? = nil, totalVFs: Int? = nil, subsystem: (UInt16, UInt16) = (0, 0)
    ) -> PCIDevice {
        var record = PCIDevice(
            address: PCIAddress(address)!,
            identity: PCIIdentity(
                vendor: VendorID(vendor), device: DeviceID(device),
                subsystemVendor: VendorID(subsystem.0), subsystemDevice: DeviceID(subsystem.1),
                classCode: ClassCode(classCode)!))
        record.iommuGroup = group.map(IOMMUGroup.init)
        record.sriov.physfn = physfn.flatMap(PCIAddress.init)
        record.sriov.totalVFs = totalVFs
        return record
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}
