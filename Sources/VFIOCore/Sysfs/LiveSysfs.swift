#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// SysfsAccess on a real directory tree: `/sys`, or a fake tree given with `--sysfs-root`.
/// Plain syscalls, no Foundation: enumeration does tens of thousands of these per run.
public struct LiveSysfs: SysfsAccess {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    private func absolute(_ path: String) -> String { root == "/" ? "/" + path : root + "/" + path }

    public func displayPath(_ path: String) -> String { absolute(path) }

    public func read(_ path: String) throws(SysfsError) -> String {
        do {
            let fd = try FileDescriptor.open(absolute(path), .readOnly, options: [.closeOnExec, .noFollow])
            return try fd.closeAfter {
                // Attributes are at most one page; the loop only matters for larger files such as `config`.
                var bytes: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while bytes.count < 1 << 20 {
                    let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
                    if n == 0 { break }
                    bytes.append(contentsOf: chunk[0..<n])
                }
                while let last = bytes.last, last == UInt8(ascii: "\n") || last == 0 { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
        } catch {
            throw SysfsError(.read, absolute(path), errno: (error as? Errno)?.rawValue ?? EIO)
        }
    }

    public func readLink(_ path: String) throws(SysfsError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(absolute(path), &buffer, buffer.count - 1)
        guard n >= 0 else { throw SysfsError(.readLink, absolute(path), errno: errno) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func list(_ path: String) throws(SysfsError) -> [SysfsEntry] {
        guard let dir = opendir(absolute(path)) else { throw SysfsError(.list, absolute(path), errno: errno) }
        defer { closedir(dir) }
        var entries: [SysfsEntry] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let kind: SysfsEntry.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = statKind(absolute(path) + "/" + name)
            default: kind = .other
            }
            entries.append(SysfsEntry(name: name, kind: kind))
        }
        return entries
    }

    public func write(_ path: String, _ value: String) throws(SysfsError) {
        do {
            // O_TRUNC changes nothing on sysfs (as with `echo > attr`) and keeps a fake tree's file exact.
            let fd = try FileDescriptor.open(absolute(path), .writeOnly, options: [.closeOnExec, .noFollow, .truncate])
            try fd.closeAfter {
                // sysfs handlers see exactly one write(2); a short write means the kernel took part of it.
                let written = try Array(value.utf8).withUnsafeBytes { try fd.write($0) }
                if written != value.utf8.count { throw Errno.ioError }
            }
        } catch {
            throw SysfsError(.write, absolute(path), errno: (error as? Errno)?.rawValue ?? EIO)
        }
    }

    private func statKind(_ path: String) -> SysfsEntry.Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .other }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }
}
