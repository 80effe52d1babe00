/// The udev rules that keep `owner`/`mode` on a device's VFIO nodes whenever the kernel makes them
/// anew (a rebind, a reboot, vfio-pci reloaded): part of the hot-plug rule file `persist` installs.
///
/// udev names a group node's device by the group (`12`, `noiommu-12`) and a cdev by itself
/// (`vfio0`): the group node is matched by the device being a member of that IOMMU group, the cdev
/// by its parent, the PCI device. The group is `%k` for `12`, and `%n` (the number at the end of
/// the name) for `noiommu-12`: udev (systemd 252, checked on the test kernel) gives a name made of
/// digits only no number, so `%n` alone never matches a plain group node.
/// Each device has its own lines: a user or group udev cannot resolve when it loads the rules (one
/// deleted since `persist enable`) costs only that device's lines, never the other devices' rules.
public enum NodeOwnershipRules {
    /// A device with an owner, and the line of its entry (for the comment above its rules).
    public typealias Device = (address: PCIAddress, ownership: NodeOwnership, line: Int)

    /// The rule lines for `devices`, and a comment per entry that names no single address (ids,
    /// vfs_of, class), whose nodes udev cannot tell from the rest: `apply` sets those at boot.
    public static func text(_ devices: [Device], unaddressed: [(line: Int, selector: String)]) -> String {
        var out = ""
        for device in devices {
            let assignments = assignments(device.ownership)
            guard !assignments.isEmpty else { continue }
            let address = device.address.description
            out += "# Owner of the VFIO nodes of \(address) (state file line \(device.line))\n"
            for (kernel, group) in [("[0-9]*", "%k"), ("noiommu-[0-9]*", "%n")] {
                out +=
                    "ACTION!=\"remove\", SUBSYSTEM==\"vfio\", KERNEL==\"\(kernel)\", TEST==\"/sys/kernel/iommu_groups/\(group)/devices/\(address)\", \(assignments)\n"
            }
            out += "ACTION!=\"remove\", SUBSYSTEM==\"vfio-dev\", KERNELS==\"\(address)\", \(assignments)\n"
        }
        for entry in unaddressed {
            out +=
                "# state file line \(entry.line) (\(entry.selector)): its owner is set by 'vfioctl apply' (at boot), not here: udev cannot tell which group node is its\n"
        }
        return out
    }

    /// `OWNER="alice", GROUP="kvm", MODE="0660"`: a name only when it is one udev reads back as
    /// written (the portable form `OwnerSpec` accepts: no quote, comma, space or newline), else
    /// the numeric id.
    static func assignments(_ ownership: NodeOwnership) -> String {
        var parts: [String] = []
        if let uid = ownership.uid { parts.append("OWNER=\"\(safeName(ownership.userName) ?? String(uid))\"") }
        if let gid = ownership.gid { parts.append("GROUP=\"\(safeName(ownership.groupName) ?? String(gid))\"") }
        if let mode = ownership.mode { parts.append("MODE=\"\(mode)\"") }
        return parts.joined(separator: ", ")
    }

    private static func safeName(_ name: String?) -> String? {
        guard let name, let spec = try? OwnerSpec(parsing: name), case .name? = spec.user, spec.group == .unchanged
        else { return nil }
        return name
    }
}
