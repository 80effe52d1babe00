/// The device nodes a VFIO user (QEMU, DPDK, a container runtime) opens for one device, as the
/// kernel names them:
///
/// - the group node `/dev/vfio/N` (`/dev/vfio/noiommu-N` in no-IOMMU mode), which the legacy
///   interface opens, then attaches to
/// - the container `/dev/vfio/vfio` (one per host);
/// - the device cdev `/dev/vfio/devices/vfioX` (`noiommu-vfioX`), named by the device's
///   `vfio-dev/` directory, on kernels with VFIO_DEVICE_CDEV, which binds it to
/// - `/dev/iommu` (iommufd, one per host).
public struct VFIONodes: Sendable, Equatable {
    public var group: String?
    public var container: String?
    public var deviceCdev: String?
    public var iommufd: String?

    public init(group: String? = nil, container: String? = nil, deviceCdev: String? = nil, iommufd: String? = nil) {
        self.group = group
        self.container = container
        self.deviceCdev = deviceCdev
        self.iommufd = iommufd
    }

    public static let containerPath = "/dev/vfio/vfio"
    public static let iommufdPath = "/dev/iommu"

    /// Every node, in the order a user opens them: group, container, cdev, iommufd.
    public var all: [String] { [group, container, deviceCdev, iommufd].compactMap { $0 } }

    /// The nodes that belong to this device alone (the ones a bind creates, waits for and may chown):
    /// the group node and the cdev. The container and `/dev/iommu` are the host's, shared by every user.
    public var perDevice: [String] { [group, deviceCdev].compactMap { $0 } }

    /// The one node `device_node` names: the group node, else the cdev.
    public var primary: String? { group ?? deviceCdev }

    public var isEmpty: Bool { all.isEmpty }

    /// The name of group `group`'s node in `/dev/vfio`: the number, with `noiommu-` before it in
    /// no-IOMMU mode (the kernel's `"%s%d"` in vfio_create_group).
    public static func groupNodeName(_ group: IOMMUGroup, noIOMMU: Bool) -> String {
        (noIOMMU ? "noiommu-" : "") + group.description
    }

    /// `/dev/vfio/devices/NAME` for an entry `NAME` of a device's `vfio-dev/` directory; nil for a name
    /// the kernel does not make (`vfio` or `noiommu-vfio` followed by decimal digits): a crafted tree
    /// must not name a node elsewhere.
    public static func cdevPath(forEntry name: String) -> String? {
        let digits: Substring
        if name.hasPrefix("noiommu-vfio") {
            digits = name.dropFirst("noiommu-vfio".count)
        } else if name.hasPrefix("vfio") {
            digits = name.dropFirst("vfio".count)
        } else {
            return nil
        }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return "/dev/vfio/devices/" + name
    }
}
