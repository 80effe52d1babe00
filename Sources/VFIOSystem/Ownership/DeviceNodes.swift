#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The owner, group and mode of a device's VFIO nodes: reading them (`status`, a bind's report) and
/// changing them (`bind --owner`). Only the per-device nodes are reachable through it, the group node
/// `/dev/vfio/N` (or `noiommu-N`) and the cdev `/dev/vfio/devices/NAME`: never the host's
/// `/dev/vfio/vfio` or `/dev/iommu`.
public protocol DeviceNodeAccess: Sendable {
    /// The node's owner, group and mode; nil when it does not exist. Throws when what is there is
    /// not a character device (with `device`, that device number), or when the path is not a
    /// per-device VFIO node.
    func attributes(_ path: String, device: DeviceNumber?) throws(VFIOError) -> NodeAttributes?
    /// Sets what `ownership` names (true), or nothing when the node already is so (false).
    func apply(_ ownership: NodeOwnership, to path: String, device: DeviceNumber?) throws(VFIOError) -> Bool
}

extension DeviceNumber {
    /// From a `st_rdev`, decoded as glibc's gnu_dev_major/gnu_dev_minor do.
    init(rdev: UInt64) {
        self.init(
            major: UInt32(truncatingIfNeeded: ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff))),
            minor: UInt32(truncatingIfNeeded: (rdev & 0xff) | ((rdev >> 12) & ~UInt64(0xff))))
    }
}

/// The nodes under a dev directory: `/dev` on the running system, `TREE/dev` for a sysfs tree.
///
/// Nothing is opened through a path that could be a link: the `vfio` (and `devices`) directory is
/// opened component by component with O_NOFOLLOW, and the node is only ever named relative to it
/// with AT_SYMLINK_NOFOLLOW. The node itself is never opened: opening a group node takes the group
/// (and a busy group refuses), opening a cdev starts a device session.
public struct LiveDeviceNodes: DeviceNodeAccess {
    public let devRoot: String

    public init(devRoot: String = "/dev") { self.devRoot = devRoot }

    public func attributes(_ path: String, device: DeviceNumber?) throws(VFIOError) -> NodeAttributes? {
        guard let (directory, name) = try open(path) else { return nil }
        defer { close(directory) }
        guard let info = try checked(directory, name, path, device: device) else { return nil }
        return Self.attributes(path, info)
    }

    public func apply(_ ownership: NodeOwnership, to path: String, device: DeviceNumber?) throws(VFIOError) -> Bool {
        guard let (directory, name) = try open(path) else { throw VFIOError(.notFound, "\(path) does not exist") }
        defer { close(directory) }
        guard let before = try checked(directory, name, path, device: device) else {
            throw VFIOError(.notFound, "\(path) does not exist")
        }
        if Self.attributes(path, before).satisfies(ownership) { return false }
        let uid = ownership.uid ?? before.st_uid, gid = ownership.gid ?? before.st_gid
        if let mode = ownership.mode {
            // Never looser than both the old and the new mode while the owner changes: the old
            // group must not gain bits meant for the new one, nor the new group keep the old bits.
            try change(path, "chmod") {
                fchmodat(directory, name, mode_t(mode.bits) & before.st_mode & 0o777, AT_SYMLINK_NOFOLLOW)
            }
            try change(path, "chown") { fchownat(directory, name, uid, gid, AT_SYMLINK_NOFOLLOW) }
            try change(path, "chmod") { fchmodat(directory, name, mode_t(mode.bits), AT_SYMLINK_NOFOLLOW) }
        } else {
            try change(path, "chown") { fchownat(directory, name, uid, gid, AT_SYMLINK_NOFOLLOW) }
        }
        // What was changed is still the node that was checked (a node re-created meanwhile would
        // be the kernel's again, 0600 root).
        guard let after = try checked(directory, name, path, device: device),
            Self.attributes(path, after).satisfies(ownership)
        else {
            throw VFIOError(.failed, "\(path) changed while its owner was being set (was the device unbound?)")
        }
        return true
    }

    /// The directory holding `path` (opened without following links) and the node's name in it.
    /// Only `/dev/vfio/NAME` (not `vfio`) and `/dev/vfio/devices/NAME`. nil when the directory does
    /// not exist (no VFIO driver loaded yet, no cdevs on this kernel).
    private func open(_ path: String) throws(VFIOError) -> (Int32, String)? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let inDevices = components.count == 5 && components[3] == "devices"
        guard components.count == 4 || inDevices, components[0].isEmpty, components[1] == "dev",
            components[2] == "vfio", let name = components.last, !name.isEmpty, name != "." && name != "..",
            name != "vfio" || inDevices
        else {
            throw VFIOError(.failed, "\(path) is not a per-device VFIO node; its owner is never changed")
        }
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var fd = Glibc.open(devRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        for directory in inDevices ? ["vfio", "devices"] : ["vfio"] {
            guard fd >= 0 else { break }
            let next = openat(fd, directory, flags)
            close(fd)
            fd = next
        }
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw VFIOError(.failed, "cannot open the directory of \(path): \(String(cString: strerror(errno)))")
        }
        return (fd, name)
    }

    /// lstat of the node: nil when absent; refused when it is anything but a character device
    /// (a link or a file planted in its place), or one with another device number than sysfs gives.
    private func checked(
        _ directory: Int32, _ name: String, _ path: String, device: DeviceNumber?
    ) throws(VFIOError)
        -> stat?
    {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw VFIOError(.failed, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFCHR else {
            throw VFIOError(
                .refused, "\(path) is not a character device (a link or file in its place); its owner was not changed",
                hint: "remove it: the kernel makes the node")
        }
        if let device, DeviceNumber(rdev: UInt64(info.st_rdev)) != device {
            throw VFIOError(
                .refused,
                "\(path) is device \(DeviceNumber(rdev: UInt64(info.st_rdev))), not the VFIO node \(device) sysfs names; its owner was not changed"
            )
        }
        return info
    }

    private func change(_ path: String, _ what: String, _ call: () -> Int32) throws(VFIOError) {
        guard call() != 0 else { return }
        let code = errno
        throw VFIOError(
            code == EPERM || code == EACCES ? .permissionDenied : .failed,
            "\(what) \(path) failed: \(String(cString: strerror(code)))")
    }

    private static func attributes(_ path: String, _ info: stat) -> NodeAttributes {
        NodeAttributes(
            path: path, uid: info.st_uid, gid: info.st_gid, mode: NodeMode(bits: UInt16(info.st_mode & 0o777)),
            userName: AccountResolver.userName(info.st_uid), groupName: AccountResolver.groupName(info.st_gid))
    }
}
