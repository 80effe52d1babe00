import VFIOCore

/// `bind --owner`: after a bind (and udev's processing of the new nodes, which would otherwise reset
/// them to its own rules' owner and mode), sets the owner, group and mode of each device's group
/// node and cdev. Runs outside the binding transaction: the nodes only exist once it is done.
public struct NodeOwnershipStep {
    public let kernel: any SysfsAccess
    public let nodes: any DeviceNodeAccess

    public init(kernel: any SysfsAccess, nodes: any DeviceNodeAccess) {
        self.kernel = kernel
        self.nodes = nodes
    }

    /// Before any write: refuses (exit 3) when something other than the kernel's character device
    /// sits where a device's group node will be (a link or a file someone planted), so a bind is
    /// not left half done by the ownership step.
    public func checkBeforeBind(_ devices: [PCIDevice]) throws(VFIOError) {
        for device in devices {
            guard let group = device.iommuGroup else { continue }
            for noIOMMU in [false, true] {
                let path = "/dev/vfio/" + VFIONodes.groupNodeName(group, noIOMMU: noIOMMU)
                _ = try nodes.attributes(path, device: deviceNumber(of: path, address: device.address))
            }
        }
    }

    /// Sets `wanted[address]` on the nodes of every device the report bound or found bound, and
    /// records each node's owner, group and mode in its result. A dry run reads and says what it
    /// would set. The first failure becomes the report's error: the device stays bound, with its
    /// nodes as the kernel made them.
    public func apply(_ wanted: [PCIAddress: NodeOwnership], to report: inout OperationReport) {
        guard report.error == nil else { return }
        for index in report.devices.indices {
            let result = report.devices[index]
            guard let ownership = wanted[result.address],
                [.changed, .unchanged, .planned].contains(result.status)
            else { continue }
            report.devices[index].owner = ownership
            do throws(VFIOError) {
                for path in result.nodes.perDevice {
                    let device = deviceNumber(of: path, address: result.address)
                    if report.dryRun {
                        guard var attributes = try nodes.attributes(path, device: device) else { continue }
                        attributes.changed = !attributes.satisfies(ownership)
                        report.devices[index].nodeAttributes.append(attributes)
                        continue
                    }
                    let changed = try nodes.apply(ownership, to: path, device: device)
                    guard var attributes = try nodes.attributes(path, device: device) else { continue }
                    attributes.changed = changed
                    report.devices[index].nodeAttributes.append(attributes)
                }
            } catch {
                report.error = VFIOError(
                    error.status == .refused
                        ? .refused : error.status == .permissionDenied ? .permissionDenied : .failed,
                    "\(result.address): \(error.message)",
                    hint: "the device is bound, its nodes as the kernel made them (0600 root); "
                        + "fix that and bind again, or 'vfioctl unbind \(result.address)'")
                return
            }
        }
    }

    /// The owner, group and mode of a device's per-device nodes, as `status` shows them; a node that
    /// is not what it should be (not the kernel's character device) is left out.
    public func attributes(of nodes: VFIONodes, address: PCIAddress) -> [NodeAttributes] {
        nodes.perDevice.compactMap { path in
            try? self.nodes.attributes(path, device: deviceNumber(of: path, address: address))
        }
    }

    /// The `MAJOR:MINOR` sysfs gives the node at `path` (the group's class device, or the cdev
    /// below the device); nil when sysfs has none to compare (a tree made of files).
    func deviceNumber(of path: String, address: PCIAddress) -> DeviceNumber? {
        let name = String(path.split(separator: "/").last ?? "")
        let attribute =
            path.hasPrefix("/dev/vfio/devices/")
            ? PCIPaths.vfioDeviceDirectory(address) + "/" + name + "/dev"
            : "class/vfio/" + name + "/dev"
        return (try? kernel.read(attribute)).flatMap { DeviceNumber($0) }
    }
}
