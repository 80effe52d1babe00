/// The one boundary between vfioctl and the kernel: read an attribute, read a link, list a directory,
/// write an attribute. The live implementation talks to a real sysfs root; tests use a simulator that
/// reproduces the kernel's semantics. Paths are relative to the sysfs root (`bus/pci/devices/...`).
public protocol SysfsAccess: Sendable {
    /// The attribute's contents with the trailing newline removed.
    func read(_ path: String) throws(SysfsError) -> String
    /// The raw target of a symbolic link, as `readlink(2)` returns it.
    func readLink(_ path: String) throws(SysfsError) -> String
    /// `body` run on the raw target's bytes, with no String made for the whole target (a device's
    /// `driver` link is read back after every bind; only its last component matters). Not
    /// generic, for the same reason as `SysfsDirectory.withLinkTarget`.
    func withLinkTarget(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) -> String?) throws(SysfsError) -> String?
    func list(_ path: String) throws(SysfsError) -> [SysfsEntry]
    /// One `write(2)` of `value`, as the kernel's attribute handlers expect.
    func write(_ path: String, _ value: String) throws(SysfsError)
    /// A human-readable location for messages (`/sys/bus/pci/...`): a fixed prefix (the root and
    /// a slash) followed by `path`, so `displayPath("")` is that prefix.
    func displayPath(_ path: String) -> String
    /// A directory to read several attributes from (see SysfsDirectory).
    func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory
    /// Device `address`'s directory (`bus/pci/devices/ADDRESS`), to read several attributes from.
    func openDevice(_ address: PCIAddress) throws(SysfsError) -> any SysfsDirectory
    /// `withLinkTarget` on link `name` (a literal, such as `driver`) of device `address`.
    func withLinkTarget(device address: PCIAddress, _ name: StaticString,
                        _ body: (UnsafeBufferPointer<UInt8>) -> String?) throws(SysfsError) -> String?
    /// The members of IOMMU group `group` (`kernel/iommu_groups/N/devices`) by address; entries
    /// whose names are not PCI addresses are left out.
    func iommuGroupMembers(_ group: IOMMUGroup) throws(SysfsError) -> [PCIAddress]
}

extension SysfsAccess {
    public func openDevice(_ address: PCIAddress) throws(SysfsError) -> any SysfsDirectory {
        try openDirectory(PCIPaths.device(address))
    }

    public func withLinkTarget(device address: PCIAddress, _ name: StaticString,
                               _ body: (UnsafeBufferPointer<UInt8>) -> String?) throws(SysfsError) -> String? {
        try withLinkTarget(PCIPaths.device(address) + "/" + name.description, body)
    }

    public func iommuGroupMembers(_ group: IOMMUGroup) throws(SysfsError) -> [PCIAddress] {
        try list(PCIPaths.groupDevices(group)).compactMap { PCIAddress($0.name) }
    }

    public func withLinkTarget(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) -> String?) throws(SysfsError) -> String? {
        var target = try readLink(path)
        return target.withUTF8(body)
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

/// Lexical link resolution confined to the sysfs root: the kernel's links are relative
/// (`../../../devices/pci0000:00/...`); a target that is absolute or climbs above the root is refused,
/// so a crafted tree cannot send vfioctl reading or writing outside it.
public enum SysfsPath {
    /// `path` (relative) below `root`; `path` itself when `root` is empty.
    public static func absolute(_ path: String, root: String) -> String {
        root.isEmpty ? path : root == "/" ? "/" + path : root + "/" + path
    }

    public static func join(_ parts: String...) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// Resolves `target`, read from a link located in directory `linkDirectory`; nil when it escapes.
    /// Works on contiguous bytes: every device has several links, and String splitting dominated
    /// enumeration.
    public static func resolve(target: String, from linkDirectory: String) -> String? {
        var target = target, linkDirectory = linkDirectory
        return target.withUTF8 { targetBytes in
            linkDirectory.withUTF8 { directoryBytes in resolve(targetBytes, from: directoryBytes) }
        }
    }

    static func resolve(_ target: UnsafeBufferPointer<UInt8>, from directory: UnsafeBufferPointer<UInt8>) -> String? {
        let slash = UInt8(ascii: "/")
        guard target.first != slash else { return nil }
        // The resolved path: components joined by single slashes. `..` cuts back to the last slash.
        var path: [UInt8] = []
        path.reserveCapacity(directory.count + target.count + 1)
        var depth = 0
        for pass in 0..<2 {
            let isLinkDirectory = pass == 0
            let bytes = isLinkDirectory ? directory : target
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != slash { end += 1 }
                defer { start = end + 1 }
                let length = end - start
                if length == 0 || (!isLinkDirectory && length == 1 && bytes[start] == UInt8(ascii: ".")) { continue }
                // The link's own directory is taken as it is written.
                if !isLinkDirectory && length == 2 && bytes[start] == UInt8(ascii: ".") && bytes[start + 1] == UInt8(ascii: ".") {
                    guard depth > 0 else { return nil }
                    depth -= 1
                    path.removeSubrange((path.lastIndex(of: slash) ?? 0)...)
                    continue
                }
                if !path.isEmpty { path.append(slash) }
                path.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
                depth += 1
            }
        }
        return String(decoding: path, as: UTF8.self)
    }

    private enum ComponentKind { case current, parent, name }

    /// Calls `body` with the byte range and kind of each non-empty component of `bytes`, in order,
    /// until it returns false; false when it stopped early. `resolve` walks inline instead (the
    /// closure calls cost more than its walk); a property test in SysfsPathTests keeps the two
    /// reading `.`, `..` and repeated slashes alike.
    private static func forEachComponent(of bytes: UnsafeBufferPointer<UInt8>,
                                         _ body: (Range<Int>, ComponentKind) -> Bool) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != slash { end += 1 }
            let range = start..<end
            start = end + 1
            guard !range.isEmpty else { continue }
            let kind: ComponentKind
            switch range.count {
            case 1 where bytes[range.lowerBound] == dot: kind = .current
            case 2 where bytes[range.lowerBound] == dot && bytes[range.lowerBound + 1] == dot: kind = .parent
            default: kind = .name
            }
            if !body(range, kind) { return false }
        }
        return true
    }

    /// The last non-empty component (`a/b/` -> `b`); the path itself when it has none.
    public static func lastComponent(_ path: String) -> Substring {
        var copy = path
        let range = copy.withUTF8(lastComponentRange)
        let utf8 = path.utf8
        return Substring(utf8[utf8.index(utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: range.upperBound)])
    }

    /// The same on bytes.
    static func lastComponent(_ path: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: path[lastComponentRange(path)])
    }

    private static func lastComponentRange(_ path: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let slash = UInt8(ascii: "/")
        guard let end = path.lastIndex(where: { $0 != slash }) else { return 0..<path.count }
        let start = path[..<end].lastIndex(of: slash).map { $0 + 1 } ?? 0
        return start..<(end + 1)
    }

    /// The last component of `resolve(target:from:)`, without building the resolved path (links
    /// are read several times per device); nil when the target escapes the root.
    public static func resolvedLastComponent(target: String, from linkDirectory: String) -> Substring? {
        var target = target
        return target.withUTF8 { resolvedLastComponent($0, from: linkDirectory, depth: depth(of: linkDirectory)) }.map { Substring($0) }
    }

    /// The same on a target's bytes, for a link directory `depth` components below the root (see
    /// `depth(of:)`; a reader of one directory counts them once).
    static func resolvedLastComponent(_ target: UnsafeBufferPointer<UInt8>, from linkDirectory: String, depth: Int) -> String? {
        let found = lastNamedComponent(of: target, startingAtDepth: depth)
        if found.escapes { return nil }
        // A target ending in `..` (or made only of dots) names a directory of the link's own path.
        guard let last = found.last else {
            var directory = linkDirectory
            return directory.withUTF8 { resolve(target, from: $0) }.map { String(lastComponent($0)) }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: target[last]), as: UTF8.self)
    }

    /// A relative target's last component when it is a plain name (not `.` or `..`), for a link
    /// whose own directory is not known: the name is all that is used, the link is not followed.
    static func namedLastComponent(_ target: UnsafeBufferPointer<UInt8>) -> String? {
        if target.first == UInt8(ascii: "/") { return nil }
        let last = lastComponent(target)
        let dot = UInt8(ascii: ".")
        if last.isEmpty || last.allSatisfy({ $0 == dot }) && last.count <= 2 { return nil }
        return String(decoding: last, as: UTF8.self)
    }

    /// How many components below the root a path is.
    static func depth(of path: String) -> Int {
        var path = path
        return path.withUTF8 { componentCount($0) }
    }

    private static func componentCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        _ = forEachComponent(of: bytes) { _, _ in
            count += 1
            return true
        }
        return count
    }

    /// Walks `target`'s components counting depth: `..` at depth 0 leaves the root. Returns the
    /// byte range of the last component when it is a plain name (not `.` or `..`).
    private static func lastNamedComponent(of target: UnsafeBufferPointer<UInt8>, startingAtDepth start: Int) -> (escapes: Bool, last: Range<Int>?) {
        if target.first == UInt8(ascii: "/") { return (true, nil) }
        var depth = start
        var last: Range<Int>?
        let inside = forEachComponent(of: target) { range, kind in
            switch kind {
            case .current: break
            case .parent:
                guard depth > 0 else { return false }
                depth -= 1
                last = nil
            case .name:
                depth += 1
                last = range
            }
            return true
        }
        return inside ? (false, last) : (true, nil)
    }
}
