#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VFIOCore

/// Everything binding needs from the kernel: sysfs attributes (SysfsAccess), loading a module, and
/// whether a device node exists. The live implementation uses /sys, modprobe and /dev; tests use the
/// kernel simulator in TestSupport, which reproduces the kernel's semantics and errnos.
public protocol KernelAccess: SysfsAccess {
    /// Loads a module and its dependencies the way `modprobe MODULE` does (modprobe.d options apply).
    func loadModule(_ module: ModuleName) throws(VFIOError)
    /// false when `loadModule` can only fail: a sysfs tree that is not the running kernel's. The
    /// binding engine then treats a module the tree does not have loaded as not found, before any
    /// write.
    var canLoadModules: Bool { get }
    /// Whether a device node such as `/dev/vfio/12` exists (the path is absolute, under /dev).
    func deviceNodeExists(_ path: String) -> Bool
    /// `write`, for a write the kernel may block for as long as a user holds the device (unbind,
    /// bind, remove, reset): made where its blocking cannot hold vfioctl, and waited for at most
    /// `timeout` seconds. Nothing can cancel a write blocked in the kernel: `.pending` is one still
    /// blocked when the time ran out, which completes (or fails) by itself once the kernel lets it.
    func boundedWrite(_ path: String, _ value: String, timeout: Double) throws(SysfsError) -> BoundedWrite
    /// Whether the write a `.pending(pid:)` named (perhaps in an earlier run, from the journal) is
    /// still blocked in the kernel: its process still runs.
    func writeIsPending(pid: Int) -> Bool
}

/// How a bounded write ended.
public enum BoundedWrite: Sendable, Equatable {
    case done
    /// Still blocked in the kernel, in process `pid` (which exits when the write returns).
    case pending(pid: Int32)
}

extension KernelAccess {
    /// A kernel whose writes cannot block (a tree of plain files) makes them in place.
    public func boundedWrite(_ path: String, _ value: String, timeout: Double) throws(SysfsError) -> BoundedWrite {
        try write(path, value)
        return .done
    }

    /// The writing process (a child of an earlier vfioctl) still runs vfioctl's program.
    public func writeIsPending(pid: Int) -> Bool { ChildWrite.isRunning(pid) }
}

/// The real kernel: sysfs under `root`, modprobe for modules, device nodes under `devRoot`.
public struct LiveKernel: KernelAccess {
    public let sysfs: LiveSysfs
    public let devRoot: String
    /// `/dev/vfio`, held once it exists: a group node is looked for after every VFIO bind.
    private let vfioDirectory = HeldVFIODirectory()
    /// Present only when the root is a sysfs mount, that is the running kernel's own: modprobe
    /// loads into the running kernel, and must never run for a tree made of plain files
    /// (`--sysfs-root`, tests), which would load a real module into the host for a fake device.
    private let modprobe: Modprobe?

    public init(sysfsRoot: String = "/sys", devRoot: String = "/dev") {
        sysfs = LiveSysfs.shared(root: sysfsRoot)
        self.devRoot = devRoot
        modprobe = sysfs.isRunningKernel ? Modprobe() : nil
    }

    public var canLoadModules: Bool { modprobe != nil }

    // The sysfs boundary's primitives, answered by the live tree.
    public func read(_ path: String) throws(SysfsError) -> String { try sysfs.read(path) }
    public func readLink(_ path: String) throws(SysfsError) -> String { try sysfs.readLink(path) }
    public func list(_ path: String) throws(SysfsError) -> [SysfsEntry] { try sysfs.list(path) }
    public func write(_ path: String, _ value: String) throws(SysfsError) { try sysfs.write(path, value) }
    public func boundedWrite(_ path: String, _ value: String, timeout: Double) throws(SysfsError) -> BoundedWrite {
        try sysfs.writeInChild(path, value, timeout: timeout)
    }
    public func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory { try sysfs.openDirectory(path) }
    public func displayPath(_ path: String) -> String { sysfs.displayPath(path) }

    public func deviceNodeExists(_ path: String) -> Bool {
        if let exists = vfioDirectory.nodeExists(path, devRoot: devRoot) { return exists }
        let underDev = path.utf8HasPrefix("/dev/")
        // The live system: the path as it is (asked once per device bound).
        if underDev && devRoot == "/dev" { return path.withCString { access($0, F_OK) } == 0 }
        let relative = underDev ? String(path.dropFirst(5)) : path
        // A tree's dev directory: looked up beneath it, as sysfs paths are beneath the root.
        let dev = open(devRoot, openPathOnly | O_DIRECTORY | O_CLOEXEC)
        guard dev >= 0 else { return false }
        defer { close(dev) }
        let node = relative.withCString { LiveSysfs.openBeneath(dev, $0, openPathOnly | O_NOFOLLOW | O_CLOEXEC) }
        if node >= 0 { close(node) }
        return node >= 0
    }

    public func loadModule(_ module: ModuleName) throws(VFIOError) {
        guard let modprobe else {
            throw VFIOError(
                .notFound,
                "the sysfs tree at \(sysfs.root) does not have module \(module) loaded, and vfioctl does not load modules for a sysfs tree",
                hint: "make module/\(module) in the tree, or bind on the live system")
        }
        try modprobe.load(module)
    }
}

/// `modprobe -q MODULE`, the one program binding runs. Made only for the running kernel's sysfs.
private struct Modprobe {
    func load(_ module: ModuleName) throws(VFIOError) {
        let candidates: [String] = ["/usr/sbin/modprobe", "/sbin/modprobe"]
        let modprobe = candidates.first { access($0, X_OK) == 0 }
        guard let modprobe else {
            throw VFIOError(.notFound, "cannot load \(module): modprobe not found", hint: "install kmod")
        }
        let status = ChildProcess.run([modprobe, "-q", module.rawValue])
        guard status == 0 else {
            throw VFIOError(
                status == 1 ? .notFound : .failed, "modprobe \(module) failed (exit status \(status))",
                hint: "see 'dmesg' and 'modprobe -v \(module)'")
        }
    }
}

/// `<devRoot>/vfio` kept open, so `/dev/vfio/N` is one lookup instead of a walk from `/`.
private final class HeldVFIODirectory: Sendable {
    private let fd = Mutex<Int32>(-1)

    /// true when node `/dev/vfio/NAME` is there; nil for any other path, when the directory cannot
    /// be opened (vfio not loaded yet), or when the node is not found in it: the caller then looks
    /// by path (the directory is removed and made anew if vfio is unloaded and loaded again).
    func nodeExists(_ path: String, devRoot: String) -> Bool? {
        let prefix: StaticString = "/dev/vfio/"
        let length = prefix.utf8CodeUnitCount
        return path.withCString { cPath -> Bool? in
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(cPath).assumingMemoryBound(to: UInt8.self), count: strlen(cPath))
            guard bytes.hasPrefix(prefix), bytes.count > length, !bytes[length...].contains(UInt8(ascii: "/")),
                let directory = directory(devRoot)
            else { return nil }
            var info = stat()
            return fstatat(directory, cPath + length, &info, AT_SYMLINK_NOFOLLOW) == 0 ? true : nil
        }
    }

    private func directory(_ devRoot: String) -> Int32? {
        fd.withLock { fd in
            if fd < 0 { fd = Self.openVFIODirectory(devRoot) }
            return fd >= 0 ? fd : nil
        }
    }

    /// `<devRoot>/vfio`; beneath a tree's dev directory, so a link there cannot lead to the host's.
    private static func openVFIODirectory(_ devRoot: String) -> Int32 {
        let flags = openPathOnly | O_DIRECTORY | O_CLOEXEC
        if devRoot == "/dev" { return open("/dev/vfio", flags) }
        let dev = open(devRoot, flags)
        guard dev >= 0 else { return -1 }
        defer { close(dev) }
        return LiveSysfs.openBeneath(dev, "vfio", flags)
    }

    deinit { fd.withLock { if $0 >= 0 { close($0) } } }
}
