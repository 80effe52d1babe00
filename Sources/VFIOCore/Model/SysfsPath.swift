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

    package static func resolve(_ target: UnsafeBufferPointer<UInt8>, from directory: UnsafeBufferPointer<UInt8>) -> String? {
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
    package static func lastComponent(_ path: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
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
    package static func resolvedLastComponent(_ target: UnsafeBufferPointer<UInt8>, from linkDirectory: String, depth: Int) -> String? {
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
    package static func namedLastComponent(_ target: UnsafeBufferPointer<UInt8>) -> String? {
        if target.first == UInt8(ascii: "/") { return nil }
        let last = lastComponent(target)
        let dot = UInt8(ascii: ".")
        if last.isEmpty || last.allSatisfy({ $0 == dot }) && last.count <= 2 { return nil }
        return String(decoding: last, as: UTF8.self)
    }

    /// How many components below the root a path is.
    package static func depth(of path: String) -> Int {
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
