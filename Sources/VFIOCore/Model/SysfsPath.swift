/// Lexical link resolution confined to the sysfs root: the kernel's links are relative
/// (`../../../devices/pci0000:00/...`); a target that is absolute or climbs above the root is refused,
/// so a crafted tree cannot send vfioctl reading or writing outside it.
///
/// Paths are split at `/` bytes (never at characters: a combining mark after a slash must not hide it).
public enum SysfsPath {
    /// `path` (relative) below `root`; `path` itself when `root` is empty.
    public static func absolute(_ path: String, root: String) -> String {
        root.isEmpty ? path : root == "/" ? "/" + path : root + "/" + path
    }

    public static func join(_ parts: String...) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// Resolves `target`, read from a link located in directory `linkDirectory`; nil when it escapes.
    /// The link's own directory is taken as it is written; in the target, `.` is skipped and `..`
    /// goes up one component.
    public static func resolve(target: String, from linkDirectory: String) -> String? {
        guard target.utf8.first != UInt8(ascii: "/") else { return nil }
        var resolved = components(of: linkDirectory)
        for component in components(of: target) {
            switch component {
            case ".": continue
            case "..":
                guard !resolved.isEmpty else { return nil }
                resolved.removeLast()
            default: resolved.append(component)
            }
        }
        return resolved.joined(separator: "/")
    }

    /// The last non-empty component (`a/b/` -> `b`); the path itself when it has none.
    public static func lastComponent(_ path: String) -> Substring {
        let utf8 = path.utf8, slash = UInt8(ascii: "/")
        guard let last = utf8.lastIndex(where: { $0 != slash }) else { return Substring(path) }
        let start = utf8[..<last].lastIndex(of: slash).map { utf8.index(after: $0) } ?? utf8.startIndex
        return Substring(utf8[start...last])
    }

    /// The last component of `resolve(target:from:)`; nil when the target escapes the root. Walks
    /// the target once, counting how deep it goes, without building the resolved path (links are
    /// read several times per device).
    public static func resolvedLastComponent(target: String, from linkDirectory: String) -> Substring? {
        let utf8 = target.utf8, slash = UInt8(ascii: "/")
        guard utf8.first != slash else { return nil }
        var depth = 0
        var previous = slash
        for byte in linkDirectory.utf8 {
            if byte != slash && previous == slash { depth += 1 }
            previous = byte
        }
        var last: Substring?
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: slash) ?? utf8.endIndex
            let component = Substring(utf8[start..<end])
            start = end < utf8.endIndex ? utf8.index(after: end) : end
            switch component {
            case "", ".": continue
            case "..":
                guard depth > 0 else { return nil }
                depth -= 1
                last = nil
            default:
                depth += 1
                last = component
            }
        }
        // A target ending in `..` names a directory of the link's own path.
        return last ?? resolve(target: target, from: linkDirectory).map { lastComponent($0) }
    }

    /// A relative target's last component when it is a plain name (not `.` or `..`), for a link
    /// whose own directory is not known: the name is all that is used, the link is not followed.
    public static func namedLastComponent(_ target: String) -> Substring? {
        guard target.utf8.first != UInt8(ascii: "/") else { return nil }
        let last = lastComponent(target)
        return last.isEmpty || last == "." || last == ".." ? nil : last
    }

    /// The non-empty components, split at `/` bytes.
    private static func components(of path: String) -> [Substring] {
        path.utf8.split(separator: UInt8(ascii: "/")).map { Substring($0) }
    }
}
