import VFIOCore

/// The one boundary between vfioctl and the kernel: read an attribute, read a link, list a directory,
/// write an attribute, open a directory to read several entries of. The live implementation
/// (`LiveSysfs`) talks to a real sysfs root; tests use a simulator that reproduces the kernel's
/// semantics. Paths are relative to the sysfs root (`bus/pci/devices/...`).
public protocol SysfsAccess: Sendable {
    /// `cat PATH`: the attribute's contents with the trailing newline removed.
    func read(_ path: String) throws(SysfsError) -> String
    /// `readlink PATH`: the raw target of a symbolic link.
    func readLink(_ path: String) throws(SysfsError) -> String
    /// `ls PATH`: the directory's entries (without `.` and `..`).
    func list(_ path: String) throws(SysfsError) -> [SysfsEntry]
    /// `echo -n VALUE > PATH`: one `write(2)` of `value`, as the kernel's attribute handlers expect.
    func write(_ path: String, _ value: String) throws(SysfsError)
    /// A directory to read several attributes from (see SysfsDirectory). Implementations without
    /// directory descriptors take the path-based one of the extension below.
    func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory
    /// A human-readable location for messages (`/sys/bus/pci/...`): a fixed prefix (the root and
    /// a slash) followed by `path`, so `displayPath("")` is that prefix.
    func displayPath(_ path: String) -> String
}

extension SysfsAccess {
    /// Device `address`'s directory (`bus/pci/devices/ADDRESS`), to read several attributes from.
    public func openDevice(_ address: PCIAddress) throws(SysfsError) -> any SysfsDirectory {
        try openDirectory(PCIPaths.device(address))
    }

    /// The members of IOMMU group `group` (`kernel/iommu_groups/N/devices`) by address; entries
    /// whose names are not PCI addresses are left out.
    public func iommuGroupMembers(_ group: IOMMUGroup) throws(SysfsError) -> [PCIAddress] {
        try list(PCIPaths.groupDevices(group)).compactMap { PCIAddress($0.name) }
    }
}

public struct SysfsEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case file, directory, symlink, other }
    public var name: String
    public var kind: Kind
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// A failed sysfs operation with the errno the kernel returned.
public struct SysfsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Operation: String, Sendable { case read, readLink = "readlink", list, write }
    public var operation: Operation
    /// Where it failed, joined from its directory and entry name only when asked: an absent
    /// attribute or link is an expected answer on every device read, and most are never shown.
    public var path: String {
        let directory = SysfsPath.absolute(device.map(PCIPaths.device) ?? self.directory, root: root)
        return name.isEmpty ? directory : directory + "/" + name
    }
    private let root: String
    private let directory: String
    /// Set instead of `directory` for an entry of a device's directory (`bus/pci/devices/ADDRESS`),
    /// whose path is then made only when asked for.
    private let device: PCIAddress?
    private let name: String
    public var errno: Int32
    /// What the errno alone would not say (`a FIFO, not a regular file`), shown before it.
    public var detail: String?

    public init(_ operation: Operation, _ path: String, errno: Int32, detail: String? = nil) {
        self.init(operation, root: "", directory: path, name: "", errno: errno)
        self.detail = detail
    }

    /// The failure of entry `name` of `directory`, a path relative to `root` (or absolute, with an
    /// empty root).
    public init(_ operation: Operation, root: String = "", directory: String, name: String, errno: Int32) {
        self.operation = operation
        self.root = root
        self.directory = directory
        device = nil
        self.name = name
        self.errno = errno
    }

    /// The failure of entry `name` of device `address`'s directory.
    init(_ operation: Operation, root: String, device address: PCIAddress, name: String, errno: Int32) {
        self.operation = operation
        self.root = root
        directory = ""
        device = address
        self.name = name
        self.errno = errno
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.operation == b.operation && a.errno == b.errno && a.path == b.path
    }

    public var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }
    public var description: String {
        // Paths are resolved beneath the root (openat2 RESOLVE_BENEATH): EXDEV is a link that leads out.
        let detail = detail ?? (errno == EXDEV ? "leads outside the sysfs root" : nil)
        return "\(operation.rawValue) \(path): " + (detail.map { "\($0) (\(errnoName(errno)))" } ?? errnoName(errno))
    }
}
