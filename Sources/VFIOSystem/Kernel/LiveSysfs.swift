#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Synchronization
import VFIOCore

/// SysfsAccess on a real directory tree: `/sys`, or a fake tree given with `--sysfs-root`.
///
/// The one place in vfioctl that trades plainness for speed, because a command's cost is mostly
/// these calls (thousands for `list` on a large host, a dozen per device bound, more than that in a
/// TCG guest where each path walk is slow): the root's descriptor is opened once and every path is
/// resolved beneath it; device directories, `bus/pci/devices` and drivers' `bind`/`unbind` files
/// are held open (HeldDescriptors), so a device's attributes are one short lookup away; a device
/// next to the last one opened is opened from their shared parent; directories are listed with
/// getdents64 directly; an attribute is read with one read(2) into a stack buffer. Plain syscalls,
/// no Foundation.
///
/// Nothing here leaves the root: every open, listing and link read resolves its path beneath the
/// root's descriptor (openat2 RESOLVE_BENEATH), so a crafted tree's link to `/` or to the host's
/// `/sys` is an error (EXDEV), never a read of the host. The kernel's own links are relative and
/// stay inside /sys. Every attribute is opened O_NONBLOCK (a FIFO cannot make it wait) and read up
/// to `attributeLimit` bytes. In a tree that is not sysfs, an attribute that reads as nothing or
/// fails is checked with fstat, and a FIFO or a device there is an error (see `readAll`); sysfs
/// itself holds only directories, links and regular files.
public struct LiveSysfs: SysfsAccess {
    public let root: String
    /// The root's descriptor, opened at first use and kept: writes resolve beneath it, and reads
    /// start from it instead of walking an absolute path.
    private let rootDescriptor = RootDescriptor()
    /// Device directories and driver bind/unbind files kept open (see HeldDescriptors).
    private let held = HeldDescriptors()
    /// Makes the bounded writes (`writeInChild`).
    private let writer = WriterProcess()

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// The process's instance for `root`, so every reader and writer of one tree shares the held
    /// descriptors. A few recent roots are kept (tests go through many temporary trees); an
    /// evicted one closes its descriptors when its last user lets go.
    public static func shared(root: String) -> LiveSysfs {
        let fresh = LiveSysfs(root: root)
        return sharedInstances.withLock { instances in
            if let known = instances.first(where: { $0.root == fresh.root }) { return known }
            instances.append(fresh)
            if instances.count > 4 { instances.removeFirst() }
            return fresh
        }
    }

    private static let sharedInstances = Mutex<[LiveSysfs]>([])

    private func absolute(_ path: String) -> String { SysfsPath.absolute(path, root: root) }

    /// The most an attribute read returns: sysfs text attributes are at most a page (4 KiB, or
    /// 64 KiB with 64 KiB pages, less one byte); the binary ones vfioctl reads are smaller.
    public static let attributeLimit = 64 << 10

    /// Whether the root is a sysfs mount, so the running kernel's own (asked once): only then
    /// may modules be loaded for it.
    public var isRunningKernel: Bool { rootDescriptor.isSysfs(root) }

    public func displayPath(_ path: String) -> String { absolute(path) }

    public func read(_ path: String) throws(SysfsError) -> String {
        let fd = try anchored(path, for: .read) { Self.openAttribute($0, $1) }
        guard fd >= 0 else { throw SysfsError(.read, absolute(path), errno: errno) }
        defer { close(fd) }
        return try Self.readAll(fd, checksKind: !rootDescriptor.isSysfs(root), path: absolute(path))
    }

    /// Opens attribute `name` (relative to `directory`) for reading: beneath `directory`, not
    /// following a link at the end, and without waiting for a FIFO's writer.
    static func openAttribute(_ directory: Int32, _ name: UnsafePointer<CChar>) -> Int32 {
        openBeneath(directory, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    }

    /// A FIFO, a device or a socket where an attribute is expected is an error (EINVAL), not
    /// something to read. A directory is left to read(2) (EISDIR).
    static func checkRegular(_ fd: Int32, path: @autoclosure () -> String) throws(SysfsError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SysfsError(.read, path(), errno: errno) }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFDIR else {
            throw SysfsError(
                .read, path(), errno: EINVAL, detail: "\(FileKind(mode: info.st_mode).rawValue), not a regular file")
        }
    }

    /// Reads an open attribute, up to `attributeLimit` bytes (more is an error, EFBIG). sysfs
    /// hands over a whole attribute in one read, so a read shorter than the buffer ends it without
    /// a second syscall; only larger files (config, uevent of odd devices) loop.
    ///
    /// `checksKind` (a tree that is not sysfs): what a FIFO or a device can look like, an empty
    /// read or a failed one, is checked with fstat and refused when not a regular file. Only then:
    /// an fstat per attribute was a tenth of listing a large tree. Whatever else such a file gives
    /// is bounded like any attribute, and nothing here can wait (opened O_NONBLOCK).
    static func readAll(_ fd: Int32, checksKind: Bool, path: @autoclosure () -> String) throws(SysfsError) -> String {
        // On the stack (up to 1 KiB is); attributes are mostly a line.
        let capacity = 1024
        var result: String?
        var failure: Int32 = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let n = retryingOnInterrupt { Glibc.read(fd, buffer.baseAddress, capacity) }
            guard n >= 0 else {
                failure = errno
                return
            }
            if n < capacity {
                result = trimmed(UnsafeBufferPointer(rebasing: buffer[0..<n]))
                return
            }
            var bytes = Array(buffer)
            while true {
                let more = retryingOnInterrupt { Glibc.read(fd, buffer.baseAddress, capacity) }
                if more < 0 {
                    failure = errno
                    return
                }
                if more == 0 { break }
                bytes.append(contentsOf: buffer[0..<more])
                if bytes.count > attributeLimit {
                    failure = EFBIG
                    return
                }
            }
            result = bytes.withUnsafeBufferPointer { trimmed($0) }
        }
        if checksKind && (result?.isEmpty ?? true) { try checkRegular(fd, path: path()) }
        guard let result else {
            let detail =
                failure == EFBIG ? "larger than \(attributeLimit >> 10) KiB, more than any sysfs attribute" : nil
            throw SysfsError(.read, path(), errno: failure, detail: detail)
        }
        return result
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == 0) { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
    }

    public func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory {
        let checksKind = !rootDescriptor.isSysfs(root)
        if let fd = withHeldDevice(path, .directory, holding: true, { fd, _ in fd }) {
            return LiveDirectory(fd: fd, root: root, path: path, owned: false, checksKind: checksKind)
        }
        // O_PATH: the descriptor only anchors the *at calls; no directory stream until one is listed.
        // Beneath the root, as writes are: a device is read through its bus link, and a crafted
        // tree's link that leads outside must not have vfioctl read the real /sys (EXDEV).
        let rootFD = try rootDescriptor.get(root, for: .list)
        let fd = (path.isEmpty ? "." : path).withCString {
            Self.openBeneath(rootFD, $0, openPathOnly | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw SysfsError(.list, absolute(path), errno: errno) }
        return LiveDirectory(fd: fd, root: root, path: path, checksKind: checksKind)
    }

    public func readLink(_ path: String) throws(SysfsError) -> String {
        let failure = { (code: Int32) in SysfsError(.readLink, absolute(path), errno: code) }
        if let result = withDeviceLink(
            path,
            { devices, name in
                Result { () throws(SysfsError) in
                    try Self.readingLink({ buffer, size in readlinkat(devices, name, buffer, size) }, failure: failure)
                }
            })
        {
            return try result.get()
        }
        return try anchored(path, for: .readLink) { directory, name in
            Result { () throws(SysfsError) in
                try Self.readingLink(
                    { buffer, size in Self.readLinkBeneath(directory, name, buffer, size) }, failure: failure)
            }
        }.get()
    }

    /// Runs `body` when `path` is a device's link in `bus/pci/devices` (listing reads every one):
    /// with that directory, held, and the link's name. nil without running `body` otherwise.
    private func withDeviceLink<Result>(_ path: String, _ body: (Int32, UnsafePointer<CChar>) -> Result) -> Result? {
        path.withCString { cPath in
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(cPath).assumingMemoryBound(to: UInt8.self), count: path.utf8.count)
            guard let (device, entry) = HeldDescriptors.devicePath(bytes), entry == nil,
                let devices = held.devicesDirectory(open: { () -> Int32 in
                    guard let rootFD = try? rootDescriptor.get(root) else { return -1 }
                    return Self.openBeneath(
                        rootFD, SysfsWalkEnumerator.devicesDirectory, openPathOnly | O_DIRECTORY | O_CLOEXEC)
                })
            else { return nil }
            return device.withSiblingName { body(devices, $0) }
        }
    }

    /// readlinkat(2) of `path` below `directory`, the directories on the way resolved beneath it.
    /// A single name needs no more than readlinkat; a longer path is opened first (O_PATH and
    /// O_NOFOLLOW give a descriptor of the link itself, which readlinkat reads with an empty name).
    static func readLinkBeneath(
        _ directory: Int32, _ path: UnsafePointer<CChar>,
        _ buffer: UnsafeMutablePointer<CChar>, _ size: Int
    ) -> Int {
        guard strchr(path, Int32(UInt8(ascii: "/"))) != nil else { return readlinkat(directory, path, buffer, size) }
        let link = openBeneath(directory, path, openPathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard link >= 0 else { return -1 }
        defer { close(link) }
        let n = readlinkat(link, "", buffer, size)
        // With an empty name the kernel says ENOENT for what is not a link; readlinkat(2) of the
        // path would have said EINVAL.
        var info = stat()
        if n < 0 && errno == ENOENT && fstat(link, &info) == 0 && info.st_mode & S_IFMT != S_IFLNK { errno = EINVAL }
        return n
    }

    /// Runs `readLink` (a readlinkat(2) into the buffer and size given) and returns the target. The
    /// buffer is on the stack (1 KiB is; a sysfs target is ~60 bytes); a target that fills it is
    /// read again into PATH_MAX bytes.
    static func readingLink(
        _ readLink: (UnsafeMutablePointer<CChar>, Int) -> Int,
        failure: (Int32) -> SysfsError
    ) throws(SysfsError) -> String {
        var capacity = 1024
        while true {
            // The target, or nil when the buffer was too small; the errno when it failed.
            let (target, error): (String?, Int32) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) {
                buffer in
                let n = readLink(buffer.baseAddress!, capacity)
                if n < 0 { return (nil, errno) }
                if n == capacity && capacity < 4096 { return (nil, 0) }
                let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress!, count: n)
                return (String(decoding: bytes, as: UTF8.self), 0)
            }
            if error != 0 { throw failure(error) }
            guard let target else {
                capacity = 4096
                continue
            }
            return target
        }
    }

    public func list(_ path: String) throws(SysfsError) -> [SysfsEntry] {
        let fd = try anchored(path, for: .list) {
            Self.openBeneath($0, $1, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
        }
        guard fd >= 0 else { throw SysfsError(.list, absolute(path), errno: errno) }
        defer { close(fd) }
        return try Self.entries(ofDirectory: fd, path: absolute(path))
    }

    /// The entries of an open directory, read with getdents64 directly (see CLinux.h).
    static func entries(ofDirectory fd: Int32, path: @autoclosure () -> String) throws(SysfsError) -> [SysfsEntry] {
        var entries: [SysfsEntry] = []
        let failure = forEachEntry(ofDirectory: fd) { name, type in
            entries.append(SysfsEntry(name: String(decoding: name, as: UTF8.self), kind: kind(type, in: fd, name)))
        }
        if let failure { throw SysfsError(.list, path(), errno: failure) }
        return entries
    }

    /// Runs `body` with the name (bytes) and d_type of each entry but `.` and `..`; the errno when
    /// reading the directory failed.
    /// `size` is the buffer given to each getdents64: 1 KiB stays on the stack (~30 entries per
    /// call, plenty for a group), larger goes to the heap (fewer calls for large directories).
    private static func forEachEntry(
        ofDirectory fd: Int32, bufferSize size: Int = 32768,
        _ body: (UnsafeBufferPointer<UInt8>, UInt8) -> Void
    ) -> Int32? {
        withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buffer in
            while true {
                let count = retryingOnInterrupt { vfioctl_getdents64(fd, buffer.baseAddress, UInt(size)) }
                if count < 0 { return errno }
                if count == 0 { return nil }
                // struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), d_name.
                var offset = 0
                while offset < count {
                    let record = buffer.baseAddress! + offset
                    let length = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                    let type = record.load(fromByteOffset: 18, as: UInt8.self)
                    let name = (record + 19).assumingMemoryBound(to: UInt8.self)
                    let nameBytes = UnsafeBufferPointer(
                        start: name, count: strlen(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self)))
                    offset += length
                    if nameBytes.equals(".") || nameBytes.equals("..") { continue }
                    body(nameBytes, type)
                }
            }
        }
    }

    /// An entry's kind from its d_type; asked of the file itself (not followed) when the
    /// filesystem does not say.
    private static func kind(_ type: UInt8, in directory: Int32, _ name: UnsafeBufferPointer<UInt8>) -> SysfsEntry.Kind
    {
        switch Int32(type) {
        case Int32(DT_REG): .file
        case Int32(DT_DIR): .directory
        case Int32(DT_LNK): .symlink
        case Int32(DT_UNKNOWN): String(decoding: name, as: UTF8.self).withCString { statKind(directory, $0) }
        default: .other
        }
    }

    public func write(_ path: String, _ value: String) throws(SysfsError) {
        let kind = HeldDescriptors.classify(path)
        if kind == .commandFile {
            // sysfs takes every write on an open attribute as a new store and ignores the offset;
            // writing at 0 keeps a fake tree's file holding the last value, as reopening did.
            if let fd = try heldCommandFile(path) {
                return try Self.writeOnce(fd, value, path: absolute(path), atStart: true)
            }
            return try writeAndClose(try openForWriting(path), value, path: path)
        }
        defer { if kind == .recreatesDevices { held.forgetDirectories() } }
        try writeAndClose(try openForWriting(path), value, path: path)
    }

    /// `write`, made by another process that is waited for at most `timeout` seconds: the command's
    /// writer (WriterProcess), else a child for this write alone (ChildWrite).
    func writeInChild(_ path: String, _ value: String, timeout: Double) throws(SysfsError) -> BoundedWrite {
        let kind = HeldDescriptors.classify(path)
        defer { if kind == .recreatesDevices { held.forgetDirectories() } }
        // A driver's bind or unbind file, written once per device: the writer is handed the
        // descriptor held for it (written at offset 0, as `write` does) instead of a new one each time.
        if kind == .commandFile, let fd = try heldCommandFile(path),
            let outcome = writer.write(fd, value, atStart: true, timeout: timeout)
        {
            return try bounded(outcome, path: path)
        }
        let fd = try openForWriting(path)
        if let outcome = writer.write(fd, value, timeout: timeout) {
            close(fd)
            return try bounded(outcome, path: path)
        }
        let started = ChildWrite.start(fd, value)
        close(fd)
        switch started {
        case .failure(let error):
            throw SysfsError(.write, absolute(path), errno: error.code)
        case .success(let pid):
            switch ChildWrite.wait(pid, timeout: timeout) {
            case .done: return .done
            case .pending: return .pending(pid: pid)
            case .failed(let code): throw SysfsError(.write, absolute(path), errno: code)
            }
        }
    }

    private func bounded(_ outcome: WriterProcess.Outcome, path: String) throws(SysfsError) -> BoundedWrite {
        switch outcome {
        case .done: return .done
        case .pending(let pid): return .pending(pid: pid)
        case .failed(let code): throw SysfsError(.write, absolute(path), errno: code)
        }
    }

    /// The descriptor held for a command file (opened and held now if it is not yet); nil when
    /// another one was held meanwhile, or holding is not possible: the caller opens its own.
    private func heldCommandFile(_ path: String) throws(SysfsError) -> Int32? {
        if let fd = held.commandFile(path) { return fd }
        let fd = try openForWriting(path)
        if held.holdCommandFile(fd, for: path) { return fd }
        close(fd)
        return nil
    }

    private func writeAndClose(_ fd: Int32, _ value: String, path: String) throws(SysfsError) {
        let result = Result { () throws(SysfsError) in try Self.writeOnce(fd, value, path: absolute(path)) }
        let closeError = close(fd) == 0 ? 0 : errno
        try result.get()
        if closeError != 0 && closeError != EINTR { throw SysfsError(.write, absolute(path), errno: closeError) }
    }

    /// sysfs handlers see exactly one write(2); a short write means the kernel took part of it.
    private static func writeOnce(
        _ fd: Int32, _ value: String, path: @autoclosure () -> String, atStart: Bool = false
    ) throws(SysfsError) {
        var bytes = value
        let (written, writeError) = bytes.withUTF8 { buffer -> (Int, Int32) in
            let n = retryingOnInterrupt {
                atStart
                    ? pwrite(fd, buffer.baseAddress, buffer.count, 0)
                    : Glibc.write(fd, buffer.baseAddress, buffer.count)
            }
            return (n, n < 0 ? errno : 0)
        }
        if written < 0 { throw SysfsError(.write, path(), errno: writeError) }
        if written != value.utf8.count { throw SysfsError(.write, path(), errno: EIO) }
    }

    /// Opens an attribute for writing without ever leaving the root: in a crafted tree
    /// (`--sysfs-root`) a directory on the way that is a symlink to the real /sys must not turn a
    /// test's write into a real one. The kernel resolves the path (openat2, RESOLVE_BENEATH) and
    /// answers EXDEV for an escape.
    private func openForWriting(_ path: String) throws(SysfsError) -> Int32 {
        // A fake tree's files need O_TRUNC to hold exactly the value written. sysfs ignores it, but
        // its truncation still runs through the kernel's setattr path on every write.
        // O_NONBLOCK: a FIFO in a fake tree fails at once (ENXIO, no reader) instead of waiting.
        let flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (rootDescriptor.isSysfs(root) ? 0 : O_TRUNC)
        // A device's attribute: one lookup below its held directory, itself opened beneath the root.
        if let fd = withHeldDevice(path, .entry, holding: true, { Self.openBeneath($0, $1, flags) }) {
            guard fd >= 0 else { throw SysfsError(.write, absolute(path), errno: errno) }
            return fd
        }
        let rootFD = try rootDescriptor.get(root)
        let fd = path.withCString { Self.openBeneath(rootFD, $0, flags) }
        guard fd >= 0 else { throw SysfsError(.write, absolute(path), errno: errno) }
        return fd
    }

    static func openBeneath(_ directory: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
        let fd = vfioctl_open_beneath(directory, path, flags)
        // Before Linux 5.6 there is no openat2: the lexical link checks are all there is.
        return fd < 0 && errno == ENOSYS ? openat(directory, path, flags) : fd
    }

    private enum DevicePart { case directory, entry }

    /// Runs `body` when `path` is that part of a device (its directory `bus/pci/devices/NAME`, or
    /// an entry in it) and the directory is held, or, with `holding`, can be opened and held now:
    /// with the held descriptor and the entry's name, a C string inside `path` (empty for the
    /// directory). nil without running `body` otherwise: the caller then uses the path, with that
    /// path's errors. No String is made: this runs on every access to a device.
    private func withHeldDevice<Result>(
        _ path: String, _ part: DevicePart, holding: Bool,
        _ body: (Int32, UnsafePointer<CChar>) -> Result
    ) -> Result? {
        path.withCString { cPath in
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(cPath).assumingMemoryBound(to: UInt8.self), count: path.utf8.count)
            guard let (device, entry) = HeldDescriptors.devicePath(bytes), (entry == nil) == (part == .directory),
                let fd = held.directory(device) ?? (holding ? holdDeviceDirectory(device) : nil)
            else { return nil }
            return body(fd, cPath + (entry ?? bytes.count))
        }
    }

    /// Opens device `name`'s directory beneath the root and holds it; nil when it cannot be opened
    /// there (absent, or a crafted tree's escaping link). A device next to the last one opened by
    /// its bus link (the VFs of one PF, the functions of one slot) is opened from their parent.
    private func holdDeviceDirectory(_ name: HeldDescriptors.DeviceName) -> Int32? {
        guard let rootFD = try? rootDescriptor.get(root) else { return nil }
        let flags = openPathOnly | O_DIRECTORY | O_CLOEXEC
        var byBusLink = false
        var fd = openSibling(name, flags: flags, rootFD: rootFD)
        if fd < 0 {
            fd = name.withDirectoryPath { Self.openBeneath(rootFD, $0, flags) }
            byBusLink = true
        }
        guard fd >= 0 else { return nil }
        guard held.holdDirectory(fd, for: name) else {
            close(fd)
            return held.directory(name)
        }
        if byBusLink { held.noteOpenedByBusLink(fd) }
        return fd
    }

    /// `name` opened beneath the held parent of the last device opened by its bus link, without
    /// following a link; -1 when it is not there (or there is no such parent).
    private func openSibling(_ name: HeldDescriptors.DeviceName, flags: Int32, rootFD: Int32) -> Int32 {
        let parent = held.siblingsDirectory { device in
            // The root's own parent is outside the tree, and a crafted link can name the root.
            guard !Self.mayBeSameDirectory(device, rootFD) else { return -1 }
            return openat(device, "..", flags)
        }
        guard let parent else { return -1 }
        return name.withSiblingName { Self.openBeneath(parent, $0, flags | O_NOFOLLOW) } ?? -1
    }

    /// True also when either cannot be told (fstat fails): the answer is used to stay on the safe side.
    private static func mayBeSameDirectory(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat(), second = stat()
        guard fstat(a, &first) == 0, fstat(b, &second) == 0 else { return true }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Runs `body` with where a read of `path` starts and the rest of it: a device entry below its
    /// held directory, anything else below the root's descriptor (no absolute path to build and
    /// walk). `body` resolves the rest beneath that directory. The root's error when it cannot be
    /// opened.
    private func anchored<Result>(
        _ path: String, for operation: SysfsError.Operation,
        _ body: (Int32, UnsafePointer<CChar>) -> Result
    ) throws(SysfsError) -> Result {
        if let result = withHeldDevice(path, .entry, holding: false, body) { return result }
        let rootFD = try rootDescriptor.get(root, for: operation)
        return (path.isEmpty ? "." : path).withCString { body(rootFD, $0) }
    }

    private static func statKind(_ directory: Int32, _ name: UnsafePointer<CChar>) -> SysfsEntry.Kind {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return .other }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }
}

/// O_PATH, which Glibc's module map hides (it needs _GNU_SOURCE); the value every Linux
/// architecture vfioctl builds for (x86-64, arm64, s390x, ppc64le) shares.
let openPathOnly: Int32 = 0o10000000

/// An O_PATH descriptor of a tree's root, opened once.
private final class RootDescriptor: Sendable {
    private let state = Mutex<Int32>(-1)

    func get(_ root: String, for operation: SysfsError.Operation = .write) throws(SysfsError) -> Int32 {
        let result: Result<Int32, SysfsError> = state.withLock { fd in
            if fd < 0 { fd = open(root, openPathOnly | O_DIRECTORY | O_CLOEXEC) }
            return fd >= 0 ? .success(fd) : .failure(SysfsError(operation, root, errno: errno))
        }
        return try result.get()
    }

    deinit {
        state.withLock { fd in if fd >= 0 { close(fd) } }
    }

    /// Whether the root is a sysfs mount (asked once); false when it cannot be told.
    func isSysfs(_ root: String) -> Bool {
        sysfs.withLock { known in
            if let known { return known }
            let answer = (try? get(root)).map { vfioctl_is_sysfs($0) == 1 } ?? false
            known = answer
            return answer
        }
    }

    private let sysfs = Mutex<Bool?>(nil)
}

/// A directory of a live tree, read through an O_PATH descriptor (closed when the value goes away,
/// unless `HeldDescriptors` owns it).
final class LiveDirectory: SysfsDirectory {
    private let fd: Int32
    private let owned: Bool
    /// The absolute path, for messages; joined from the root and the relative path only when one
    /// is made.
    var path: String { SysfsPath.absolute(relativePath, root: root) }
    private let root: String
    /// The path relative to the root: given, or a device's, made only for a message.
    private var relativePath: String { givenPath ?? device.map(PCIPaths.device) ?? "" }
    private let givenPath: String?
    private let device: PCIAddress?
    /// Whether an attribute's kind is checked before it is read (see LiveSysfs: not on sysfs).
    private let checksKind: Bool

    /// `path` relative to `root` (or absolute, with an empty root).
    init(fd: Int32, root: String = "", path: String, owned: Bool = true, checksKind: Bool) {
        self.fd = fd
        self.owned = owned
        self.root = root
        givenPath = path
        device = nil
        self.checksKind = checksKind
    }

    /// Device `address`'s held directory (`bus/pci/devices/ADDRESS`).
    init(heldFD fd: Int32, root: String, device address: PCIAddress, checksKind: Bool) {
        self.fd = fd
        owned = false
        self.root = root
        givenPath = nil
        device = address
        self.checksKind = checksKind
    }

    deinit { if owned { close(fd) } }

    /// An absent attribute is an expected answer on every device read: a device's path is not
    /// made for it unless the error is shown.
    private func failure(_ operation: SysfsError.Operation, _ name: String, _ errno: Int32) -> SysfsError {
        if let device { return SysfsError(operation, root: root, device: device, name: name, errno: errno) }
        return SysfsError(operation, root: root, directory: relativePath, name: name, errno: errno)
    }

    func entries() throws(SysfsError) -> [SysfsEntry] {
        let listing = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0 else { throw SysfsError(.list, path, errno: errno) }
        defer { close(listing) }
        return try LiveSysfs.entries(ofDirectory: listing, path: path)
    }

    func read(_ name: String) throws(SysfsError) -> String {
        let file = name.withCString { LiveSysfs.openAttribute(fd, $0) }
        guard file >= 0 else { throw failure(.read, name, errno) }
        defer { close(file) }
        return try LiveSysfs.readAll(file, checksKind: checksKind, path: self.path + "/" + name)
    }

    func readLink(_ name: String) throws(SysfsError) -> String {
        try LiveSysfs.readingLink(
            { buffer, size in name.withCString { LiveSysfs.readLinkBeneath(fd, $0, buffer, size) } },
            failure: { failure(.readLink, name, $0) })
    }
}
