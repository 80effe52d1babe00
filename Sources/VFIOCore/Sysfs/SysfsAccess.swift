/// The one boundary between vfioctl and the kernel: read an attribute, read a link, list a directory,
/// write an attribute. The live implementation talks to a real sysfs root; tests use a simulator that
/// reproduces the kernel's semantics. Paths are relative to the sysfs root (`bus/pci/devices/...`).
public protocol SysfsAccess: Sendable {
    /// The attribute's contents with the trailing newline removed.
    func read(_ path: String) throws(SysfsError) -> String
    /// The raw target of a symbolic link, as `readlink(2)` returns it.
    func readLink(_ path: String) throws(SysfsError) -> String
    func list(_ path: String) throws(SysfsError) -> [SysfsEntry]
    /// One `write(2)` of `value`, as the kernel's attribute handlers expect.
    func write(_ path: String, _ value: String) throws(SysfsError)
    /// A human-readable location for messages (`/sys/bus/pci/...`).
    func displayPath(_ path: String) -> String
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
    public var path: String
    public var errno: Int32

    public init(_ operation: Operation, _ path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }
    public var description: String { "\(operation.rawValue) \(path): \(errnoName(errno))" }
}

/// Lexical link resolution confined to the sysfs root: the kernel's links are relative
/// (`../../../devices/pci0000:00/...`); a target that is absolute or climbs above the root is refused,
/// so a crafted tree cannot send vfioctl reading or writing outside it.
public enum SysfsPath {
    public static func join(_ parts: String...) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// Resolves `target`, read from a link located in directory `linkDirectory`; nil when it escapes.
    public static func resolve(target: String, from linkDirectory: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var stack = linkDirectory.split(separator: "/").map(String.init)
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                guard !stack.isEmpty else { return nil }
                stack.removeLast()
            default: stack.append(String(component))
            }
        }
        return stack.joined(separator: "/")
    }

    public static func lastComponent(_ path: String) -> Substring {
        path.split(separator: "/").last ?? Substring(path)
    }
}
