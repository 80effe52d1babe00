#if canImport(Glibc)
import Glibc
#endif

/// Everything a write could change under some directories: the set of entries and, for each, its
/// type, mode, owner, modification and change times, and its content (regular files) or target
/// (links, which are recorded and never followed). Equal snapshots taken before and after a
/// command mean it created, changed, removed, renamed, chmod'ed and chown'ed nothing there: the
/// change time moves with any of those, and a directory's modification time moves when an entry
/// is created or removed in it, even one removed again before the command ends (a lock file, a
/// temporary file). Access times are left out: reading is allowed.
public struct TreeSnapshot: Equatable, Sendable {
    public struct Entry: Equatable, Sendable, CustomStringConvertible {
        public var kind: String
        public var mode: UInt32
        public var owner: String
        public var modified: String
        public var changed: String
        /// A regular file's bytes or a link's target.
        public var content: [UInt8]?

        public var description: String {
            let shownContent =
                content.map { " content \(String(decoding: $0.prefix(80), as: UTF8.self).debugDescription)" } ?? ""
            return
                "\(kind) mode \(String(mode, radix: 8)) owner \(owner) mtime \(modified) ctime \(changed)\(shownContent)"
        }
    }

    /// By absolute path.
    public let entries: [String: Entry]

    /// Snapshots every tree in `roots` (a root that does not exist is recorded as absent).
    public init(_ roots: [String]) {
        var entries: [String: Entry] = [:]
        for root in roots { Self.walk(root, into: &entries) }
        self.entries = entries
    }

    /// One line per path that differs: added, removed, or changed (before and after).
    public func differences(from before: TreeSnapshot) -> [String] {
        var lines: [String] = []
        for path in Set(entries.keys).union(before.entries.keys).sorted() {
            switch (before.entries[path], entries[path]) {
            case (nil, let now?): lines.append("created \(path): \(now)")
            case (let old?, nil): lines.append("removed \(path): was \(old)")
            case (let old?, let now?) where old != now: lines.append("changed \(path): \(old) -> \(now)")
            default: continue
            }
        }
        return lines
    }

    private static func walk(_ path: String, into entries: inout [String: Entry]) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        var entry = Entry(
            kind: "other", mode: UInt32(info.st_mode & 0o7777), owner: "\(info.st_uid):\(info.st_gid)",
            modified: "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)",
            changed: "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)", content: nil)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            entry.kind = "directory"
            entries[path] = entry
            for name in names(in: path) { walk(path + "/" + name, into: &entries) }
        case S_IFLNK:
            entry.kind = "link"
            var target = [UInt8](repeating: 0, count: Int(PATH_MAX))
            let length = target.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { readlink(path, $0.baseAddress!, $0.count) }
            }
            entry.content = length >= 0 ? Array(target.prefix(length)) : nil
            entries[path] = entry
        case S_IFREG:
            entry.kind = "file"
            entry.content = contents(path)
            entries[path] = entry
        case S_IFIFO:
            entry.kind = "fifo"
            entries[path] = entry
        default:
            entries[path] = entry
        }
    }

    private static func names(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The bytes of a regular file; nil when it cannot be opened (then only its metadata counts).
    private static func contents(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}
