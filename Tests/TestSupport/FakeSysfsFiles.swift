import Glibc

/// Why a fake tree could not be written: a builder mistake (unknown parent, duplicate address) or a
/// failed system call.
public struct FakeSysfsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Plain syscalls for writing trees: the 4,096-device tree is ~200,000 files and links, and the
/// generator is part of a benchmark run.
struct TreeWriter {
    let root: String
    private var made: Set<String> = []

    init(root: String) throws {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        try Self.makeAbsoluteDirectories(root)
    }

    func absolute(_ path: String) -> String { path.isEmpty ? root : root + "/" + path }

    /// `mkdir -p` for a path relative to the root.
    mutating func directory(_ path: String) throws {
        if path.isEmpty || made.contains(path) { return }
        if let slash = path.lastIndex(of: "/") { try directory(String(path[..<slash])) }
        if mkdir(absolute(path), 0o755) != 0 && errno != EEXIST {
            throw FakeSysfsError("mkdir \(absolute(path)): \(String(cString: strerror(errno)))")
        }
        made.insert(path)
    }

    mutating func file(_ path: String, _ contents: String, mode: mode_t = 0o644) throws {
        try file(path, bytes: Array(contents.utf8), mode: mode)
    }

    mutating func file(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws {
        try parent(of: path)
        let fd = open(absolute(path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw FakeSysfsError("open \(absolute(path)): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw FakeSysfsError("write \(absolute(path)): \(String(cString: strerror(errno)))") }
            offset += n
        }
        // The umask must not decide the modes: `bind` is write-only (0200) as in the kernel.
        fchmod(fd, mode)
    }

    /// A symbolic link at `path` whose raw target is `target`, exactly as given.
    mutating func link(_ path: String, target: String) throws {
        try parent(of: path)
        if symlink(target, absolute(path)) != 0 {
            throw FakeSysfsError("symlink \(absolute(path)) -> \(target): \(String(cString: strerror(errno)))")
        }
    }

    /// A link placed the way sysfs places it: relative, through the nearest common ancestor
    /// (`physfn -> ../0000:01:00.0`, `driver -> ../../../bus/pci/drivers/e1000e`).
    mutating func relativeLink(_ path: String, to target: String) throws {
        let directory = path.split(separator: "/").dropLast()
        try link(path, target: Self.relativeTarget(from: directory.joined(separator: "/"), to: target))
    }

    /// Removes whatever is at `path` (file, link or tree), then nothing else.
    mutating func remove(_ path: String) {
        Self.removeTree(absolute(path))
        made = made.filter { $0 != path && !$0.hasPrefix(path + "/") }
    }

    private mutating func parent(of path: String) throws {
        if let slash = path.lastIndex(of: "/") { try directory(String(path[..<slash])) }
    }

    static func relativeTarget(from linkDirectory: String, to target: String) -> String {
        let from = linkDirectory.split(separator: "/")
        let to = target.split(separator: "/")
        var common = 0
        while common < from.count && common < to.count && from[common] == to[common] { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + to[common...].map(String.init)).joined(separator: "/")
    }

    static func makeAbsoluteDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FakeSysfsError("mkdir \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// `rm -rf` without following links.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafePointer(to: entry.pointee.d_name) {
                        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for name in names { removeTree(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// A fresh directory, removed by `remove()` (tests call it in a `defer`, or use `with`). It goes under
/// `$TMPDIR` when set, else /dev/shm when it is a writable tmpfs, else /tmp: sysfs lives in memory, and on
/// a busy disk creating a few thousand small files costs seconds instead of milliseconds.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public static var base: String {
        if let tmpdir = getenv("TMPDIR").map({ String(cString: $0) }), !tmpdir.isEmpty { return tmpdir }
        if access("/dev/shm", W_OK | X_OK) == 0 { return "/dev/shm" }
        return "/tmp"
    }

    public init(prefix: String = "vfioctl-test") throws {
        let base = Self.base
        var template = Array((base + "/" + prefix + ".XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw FakeSysfsError("mkdtemp in \(base): \(String(cString: strerror(errno)))") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public func remove() { TreeWriter.removeTree(path) }

    /// `rm -rf PATH` (links are removed, never followed).
    public static func removeTree(_ path: String) { TreeWriter.removeTree(path) }

    /// `mkdir -p PATH`.
    public static func makeDirectory(_ path: String) throws { try TreeWriter.makeAbsoluteDirectories(path) }

    /// Runs `body` with a fresh directory and removes it afterwards, whatever happens.
    public static func with<R>(prefix: String = "vfioctl-test", _ body: (String) throws -> R) throws -> R {
        let directory = try TemporaryDirectory(prefix: prefix)
        defer { directory.remove() }
        return try body(directory.path)
    }
}
