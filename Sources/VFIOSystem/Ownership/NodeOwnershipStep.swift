import VFIOCore

/// `bind --owner`: after a bind (and udev's processing of the new nodes, which would otherwise reset
/// them to its own rules' owner and mode), sets the owner, group and mode of each device's group
/// node and cdev. Runs after the binding transaction (the nodes only exist once it is done) and,
/// when it fails, undoes it: the command is one outcome.
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
    /// would set. When setting fails, nothing of the command stays: the nodes already given get back
    /// the owner and mode they had, then `engine` puts back every device the transaction moved
    /// (`prior`: where they were before it), and the report's error is exit 1.
    public func apply(
        _ wanted: [PCIAddress: NodeOwnership], to report: inout OperationReport,
        undoing prior: [PCIAddress: BindEngine.PriorState], with engine: BindEngine, options: BindEngine.Options
    ) {
        guard report.error == nil else { return }
        var given: [(path: String, device: DeviceNumber?, before: NodeAttributes)] = []
        for index in report.devices.indices {
            let result = report.devices[index]
            guard let ownership = wanted[result.address],
                [.changed, .unchanged, .planned].contains(result.status)
            else { continue }
            report.devices[index].owner = ownership
            do throws(VFIOError) {
                for path in result.nodes.perDevice {
                    let device = deviceNumber(of: path, address: result.address)
                    guard var attributes = try nodes.attributes(path, device: device) else {
                        if report.dryRun { continue }
                        throw VFIOError(.failed, "\(path) does not exist")
                    }
                    if report.dryRun {
                        attributes.changed = !attributes.satisfies(ownership)
                        report.devices[index].nodeAttributes.append(attributes)
                        continue
                    }
                    let before = attributes
                    let changed = try nodes.apply(ownership, to: path, device: device)
                    if changed { given.append((path, device, before)) }
                    guard var after = try nodes.attributes(path, device: device) else { continue }
                    after.changed = changed
                    report.devices[index].nodeAttributes.append(after)
                }
            } catch {
                let failure = VFIOError(
                    [.refused, .permissionDenied].contains(error.status) ? error.status : .failed,
                    "\(result.address): \(error.message)", hint: error.hint)
                // A dry run changed nothing: what it found is the answer (a planted file, exit 3).
                guard !report.dryRun else {
                    report.error = failure
                    return
                }
                let notRestored = giveBack(given)
                engine.undo(&report, to: prior, after: failure, options: options)
                if !notRestored.isEmpty, var error = report.error {
                    error.message += "; giving back the owner and mode of \(notRestored.joined(separator: ", ")) failed"
                    report.error = error
                }
                return
            }
        }
    }

    /// The owner and mode each node had before this command: what is left of a failed step. The
    /// nodes of devices that are unbound next vanish anyway; those of devices that stay bound (they
    /// were before the command) must not keep a consumer's access. Returns what could not be given back.
    private func giveBack(_ given: [(path: String, device: DeviceNumber?, before: NodeAttributes)]) -> [String] {
        given.reversed().compactMap { node in
            let ownership = NodeOwnership(uid: node.before.uid, gid: node.before.gid, mode: node.before.mode)
            do throws(VFIOError) {
                _ = try nodes.apply(ownership, to: node.path, device: node.device)
                return nil
            } catch {
                // Gone with its device (unbound meanwhile): nothing is left to give back.
                return error.status == .notFound ? nil : "\(node.path) (\(error.message))"
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
