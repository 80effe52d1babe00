import VFIOCore
import VFIOSystem

/// `--owner USER[:GROUP]` and `--mode MODE` as a bind reads them: checked when parsed (exit 2, one
/// line naming what is wrong), users and groups resolved on the host.
enum OwnershipArguments {
    static let ownerHelp =
        "Give USER (and GROUP) the device's VFIO nodes, its group node /dev/vfio/N and its cdev, so a consumer that is not root (QEMU, DPDK) can open them; read as chown(1) reads it: USER keeps the node's group, USER: takes the user's login group, :GROUP changes the group only; names or numeric ids. /dev/vfio/vfio and /dev/iommu are never changed. VFIO drivers only."
    static let modeHelp =
        "With --owner: the nodes' mode, 3 or 4 octal digits such as 0660 (default: the kernel's, 0600); never access for others, nor setuid, setgid or sticky."

    /// The ownership the options ask for; nil without --owner.
    static func resolve(owner: String?, mode: String?) throws(VFIOError) -> NodeOwnership? {
        guard let (spec, mode) = try parse(owner: owner, mode: mode) else { return nil }
        return try AccountResolver.resolve(spec, mode: mode)
    }

    /// Syntax only (no lookup): `validate()` refuses a malformed value before anything is read.
    static func parse(owner: String?, mode: String?) throws(VFIOError) -> (OwnerSpec, NodeMode?)? {
        guard let owner else {
            if mode != nil { throw VFIOError.usage("--mode needs --owner USER[:GROUP] (whose access it sets)") }
            return nil
        }
        do throws(OwnershipSyntaxError) {
            return (
                try OwnerSpec(parsing: owner),
                try mode.map { text throws(OwnershipSyntaxError) in try NodeMode(parsing: text) }
            )
        } catch {
            throw VFIOError.usage(error.message)
        }
    }
}
