#if canImport(Glibc)
import Glibc
#endif
import TestSupport
@testable import VFIOCore
@testable import VFIOSystem

/// The inputs every golden file is rendered from, built by code so each file can be traced to them:
/// the standard simulated machine with two NVMe VFs enabled and the edu bound to vfio-pci, numeric
/// names (pci.ids differs between hosts, so no golden file may depend on it), and a hand-made device
/// carrying the values a live tree rarely shows (unreadable attributes, NUMA node, boot VGA, no group).
struct PresentFixture {
    typealias S = KernelSimulator.Standard

    let sim: KernelSimulator
    let inventory: DeviceInventory
    let namer = DeviceNamer(numeric: true)
    let vfioDrivers: VFIODriverSet

    init() throws {
        sim = KernelSimulator.Builder.standard()
            .enablingVFs(of: "0000:03:00.0", count: 2)
            .updating("0000:00:05.0") { $0.driver(DriverName.vfioPCI).driverOverride("vfio-pci") }
            .loading("vfio_pci")
            .build()
        inventory = try sim.inventory()
        vfioDrivers = VFIODriverSet(sysfs: sim)
    }

    var deviceText: DeviceText { DeviceText(namer: namer, vfioDrivers: vfioDrivers) }

    var viabilities: [GroupViability] {
        inventory.groups.map { GroupViability(group: $0.group, members: $0.members, vfioDrivers: vfioDrivers) }
    }

    /// A GPU whose revision and `numa_node` could be read but not its class name or IOMMU group:
    /// every optional field of `show` and of the device JSON in its other state.
    static let oddDevice: PCIDevice = {
        let identity = PCIIdentity(
            vendor: VendorID(0x10DE), device: DeviceID(0x2684), subsystemVendor: VendorID(0x1043),
            subsystemDevice: DeviceID(0x889D), classCode: ClassCode(0x030000)!, revision: nil)
        return PCIDevice(
            address: PCIAddress("0000:41:00.0")!, identity: identity, driver: DriverName("nouveau"),
            numaNode: 1, bootVGA: true, parent: PCIAddress("0000:40:01.1"),
            hostUse: HostUse(
                networkInterfaces: [HostUse.NetworkInterface(name: "gpu\"0\\", operstate: nil)],
                blockDevices: ["nvme0n1"], displayNodes: ["card0", "renderD128"]),
            unreadable: ["revision", "iommu_group"])
    }()
}

/// An engine on the standard machine, for the reports of writing commands. Paths of its temporary
/// directory are replaced by `$TMP` before comparing.
final class OperationFixture {
    let engine: EngineFixture

    init() throws {
        engine = EngineFixture()
        try engine.sim.loadModule("vfio_pci")
    }

    func normalised(_ text: String) -> String {
        text.replacing(engine.tree.path, with: "$TMP")
    }
}

/// A few pci.ids entries, fixed: the renderers' named columns and lines without depending on the
/// host's pci.ids (a device or vendor missing here shows the fallback wording).
final class FixedNames: PCINames {
    func vendor(_ vendor: VendorID) -> String? {
        [0x8086: "Intel Corporation", 0x1AF4: "Red Hat, Inc.", 0x1B36: "Red Hat, Inc."][vendor.rawValue]
    }

    func device(_ vendor: VendorID, _ device: DeviceID) -> String? {
        [
            0x8086_10D3: "82574L Gigabit Network Connection", 0x1AF4_1041: "Virtio 1.0 network device",
            0x1B36_000C: "QEMU PCIe Root port"
        ][UInt32(vendor.rawValue) << 16 | UInt32(device.rawValue)]
    }

    func className(_ classCode: ClassCode) -> String? {
        [0x0200: "Ethernet controller", 0x0604: "PCI bridge", 0x0108: "Non-Volatile memory controller"][
            classCode.classAndSubclass]
    }
}
