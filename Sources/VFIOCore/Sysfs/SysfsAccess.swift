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
    /// A directory to read several attributes from (see SysfsDirectory).
    func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory
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
    /// Works on bytes: every device has several links, and String splitting dominated enumeration.
    public static func resolve(target: String, from linkDirectory: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var path = Array(linkDirectory.utf8)
        var ends: [Int] = []  // where each component of `path` ends, so `..` can drop one
        var start = 0
        for (i, byte) in path.enumerated() where byte == UInt8(ascii: "/") {
            if i > start { ends.append(i) }
            start = i + 1
        }
        if path.count > start { ends.append(path.count) }
        path.removeSubrange((ends.last ?? 0)...)
        for component in target.utf8.split(separator: UInt8(ascii: "/")) {
            if component.elementsEqual(".".utf8) { continue }
            if component.elementsEqual("..".utf8) {
                guard ends.popLast() != nil else { return nil }
                path.removeSubrange((ends.last ?? 0)...)
                continue
            }
            if !path.isEmpty { path.append(UInt8(ascii: "/")) }
            path.append(contentsOf: component)
            ends.append(path.count)
        }
        // Components were joined with single slashes; drop a leading one left by an empty start.
        if path.first == UInt8(ascii: "/") { path.removeFirst() }
        return String(decoding: path, as: UTF8.self)
    }

    public static func lastComponent(_ path: String) -> Substring {
        path.split(separator: "/").last ?? Substring(path)
    }
}
