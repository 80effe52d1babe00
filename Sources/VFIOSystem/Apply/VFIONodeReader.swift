import VFIOCore

/// Which VFIO device nodes the kernel made for a device, read from sysfs and `/dev`.
///
/// The kernel registers the per-device nodes synchronously in the VFIO driver's probe, so sysfs
/// names them as soon as the bind write returns; devtmpfs (and then udev) makes the files a moment
/// later. What sysfs names is what a bind waits for:
/// - the group node: the entry `N` or `noiommu-N` of `/sys/class/vfio` (absent on kernels built
///   without VFIO_GROUP);
/// - the device cdev: `vfio-dev/NAME/dev` below the device (VFIO_DEVICE_CDEV; 6.1-6.5 and kernels
///   without iommufd have `vfio-dev/vfioX` with no `dev`, and no node).
/// `/dev/vfio/vfio` and `/dev/iommu` belong to the host, not to a bind: listed when they exist.
///
/// One reader serves a whole command (binding 32 VFs asks 32 times): what is the same for every
/// device — whether this kernel gives cdevs a device number, and the host's nodes — is looked up
/// once.
public final class VFIONodeReader {
    public let kernel: any KernelAccess
    /// Whether `vfio-dev/NAME` entries have a `dev` (a cdev node): nil until an entry was seen.
    private var kernelMakesCdevs: Bool?
    /// `/dev/vfio/vfio` and `/dev/iommu` where they exist, once looked up.
    private var hostNodes: (container: String?, iommufd: String?)?

    public init(kernel: any KernelAccess) {
        self.kernel = kernel
    }

    static let groupClassDirectory = "class/vfio"

    /// The per-device nodes sysfs says the kernel made for `address` (a member of `group`), whether
    /// or not their files exist yet.
    public func perDevice(_ address: PCIAddress, group: IOMMUGroup?) -> VFIONodes {
        var nodes = VFIONodes()
        if let group { nodes.group = groupNode(group) }
        nodes.deviceCdev = cdev(address)
        return nodes
    }

    /// `perDevice`, with the host's container and iommufd nodes when those exist. For a device on a
    /// VFIO driver: loading vfio made the host's nodes, so they are looked up once per reader.
    public func expected(_ address: PCIAddress, group: IOMMUGroup?) -> VFIONodes {
        withHostNodes(perDevice(address, group: group))
    }

    /// The nodes of `perDevice` that exist now (what a bind need not wait for).
    public func presentPerDevice(_ address: PCIAddress, group: IOMMUGroup?) -> VFIONodes {
        var nodes = perDevice(address, group: group)
        if let group = nodes.group, !kernel.deviceNodeExists(group) { nodes.group = nil }
        if let cdev = nodes.deviceCdev, !kernel.deviceNodeExists(cdev) { nodes.deviceCdev = nil }
        return nodes
    }

    /// The nodes of `expected` that exist now: what `show`, `status` and a bind's result list.
    public func present(_ address: PCIAddress, group: IOMMUGroup?) -> VFIONodes {
        withHostNodes(presentPerDevice(address, group: group))
    }

    private func withHostNodes(_ perDevice: VFIONodes) -> VFIONodes {
        var nodes = perDevice
        let host = hostNodes ?? lookUpHostNodes()
        nodes.container = host.container
        nodes.iommufd = host.iommufd
        return nodes
    }

    /// The per-device nodes of `expected` that do not exist yet.
    public func missing(_ nodes: VFIONodes) -> [String] {
        nodes.perDevice.filter { !kernel.deviceNodeExists($0) }
    }

    /// `/dev/vfio/N` (or `noiommu-N`) when sysfs has the group's class device: looked up by name,
    /// not by listing every group's.
    private func groupNode(_ group: IOMMUGroup) -> String? {
        for noIOMMU in [false, true] {
            let name = VFIONodes.groupNodeName(group, noIOMMU: noIOMMU)
            if (try? kernel.openDirectory(Self.groupClassDirectory + "/" + name)) != nil { return "/dev/vfio/" + name }
        }
        return nil
    }

    private func cdev(_ address: PCIAddress) -> String? {
        if kernelMakesCdevs == false { return nil }
        let directory = PCIPaths.vfioDeviceDirectory(address)
        for entry in (try? kernel.list(directory)) ?? [] {
            guard let path = VFIONodes.cdevPath(forEntry: entry.name) else { continue }
            // Without VFIO_DEVICE_CDEV the class device exists but has no device number.
            let numbered = (try? kernel.read(directory + "/" + entry.name + "/dev")) != nil
            kernelMakesCdevs = numbered
            if numbered { return path }
        }
        return nil
    }

    private func lookUpHostNodes() -> (container: String?, iommufd: String?) {
        let found = (
            container: kernel.deviceNodeExists(VFIONodes.containerPath) ? VFIONodes.containerPath : nil,
            iommufd: kernel.deviceNodeExists(VFIONodes.iommufdPath) ? VFIONodes.iommufdPath : nil
        )
        hostNodes = found
        return found
    }
}
