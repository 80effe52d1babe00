import VFIOCore

/// Which VFIO device nodes the kernel made for a device, read from sysfs and `/dev`.
///
/// The kernel registers the per-device nodes synchronously in the VFIO driver's probe, so sysfs
/// names them as soon as the bind write returns; devtmpfs (and then udev) makes the files a moment
/// later. What sysfs names is what a bind waits for:
/// - the group node: an entry `N` or `noiommu-N` of `/sys/class/vfio` (absent on kernels built
///   without VFIO_GROUP);
/// - the device cdev: `vfio-dev/NAME/dev` below the device (VFIO_DEVICE_CDEV; 6.1-6.5 and kernels
///   without iommufd have `vfio-dev/vfioX` with no `dev`, and no node).
/// `/dev/vfio/vfio` and `/dev/iommu` belong to the host, not to a bind: listed when they exist.
public struct VFIONodeReader {
    public let kernel: any KernelAccess

    public init(kernel: any KernelAccess) {
        self.kernel = kernel
    }

    static let groupClassDirectory = "class/vfio"

    /// The per-device nodes sysfs says the kernel made for `address` (a member of `group`), whether
    /// or not their files exist yet, with the host's container and iommufd nodes when those exist.
    public func expected(_ address: PCIAddress, group: IOMMUGroup?) -> VFIONodes {
        var nodes = VFIONodes()
        if let group {
            let entries = (try? kernel.list(Self.groupClassDirectory)) ?? []
            nodes.group = entries.lazy.compactMap { VFIONodes.groupPath(forEntry: $0.name, group: group) }.first
        }
        let cdevs = (try? kernel.list(PCIPaths.vfioDeviceDirectory(address))) ?? []
        for entry in cdevs {
            guard let path = VFIONodes.cdevPath(forEntry: entry.name) else { continue }
            // Without VFIO_DEVICE_CDEV the class device exists but has no device number.
            if (try? kernel.read(PCIPaths.vfioDeviceDirectory(address) + "/" + entry.name + "/dev")) != nil {
                nodes.deviceCdev = path
                break
            }
        }
        if kernel.deviceNodeExists(VFIONodes.containerPath) { nodes.container = VFIONodes.containerPath }
        if kernel.deviceNodeExists(VFIONodes.iommufdPath) { nodes.iommufd = VFIONodes.iommufdPath }
        return nodes
    }

    /// The nodes of `expected` that exist now: what `show`, `status` and a bind's result list.
    public func present(_ address: PCIAddress, group: IOMMUGroup?) -> VFIONodes {
        var nodes = expected(address, group: group)
        if let group = nodes.group, !kernel.deviceNodeExists(group) { nodes.group = nil }
        if let cdev = nodes.deviceCdev, !kernel.deviceNodeExists(cdev) { nodes.deviceCdev = nil }
        return nodes
    }

    /// The per-device nodes of `expected` that do not exist yet.
    public func missing(_ nodes: VFIONodes) -> [String] {
        nodes.perDevice.filter { !kernel.deviceNodeExists($0) }
    }
}
