#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// vfioctl's own state, in a directory (default /run/vfioctl: bindings do not survive a reboot, and
/// neither should the records of them):
/// - `lock`: flock held for a whole writing operation, so two vfioctl never interleave writes;
/// - `journal.toml`: written (temp file, fsync, rename) before the first sysfs write of a
///   transaction; while it exists an operation is in flight or was interrupted;
/// - `managed.toml`: the devices vfioctl moved and what they were on before, for `unbind`/`status`.
public struct StateStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public static let defaultDirectory = "/run/vfioctl"

    var lockPath: String { directory + "/lock" }
    var journalPath: String { directory + "/journal.toml" }
    var managedPath: String { directory + "/managed.toml" }

    // MARK: lock

    /// Takes the exclusive lock, waiting at most `timeout` seconds for another vfioctl to finish.
    public func lock(timeout: Double) throws(VFIOError) -> StateLock {
        try ensureDirectory()
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.error(errno, "open the lock file \(lockPath)") }
        let deadline = Monotonic.now() + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let code = errno
                close(fd)
                throw Self.error(code, "lock \(lockPath)")
            }
            guard Monotonic.now() < deadline else {
                close(fd)
                throw VFIOError(.timedOut, "another vfioctl has held \(lockPath) for more than \(Int(timeout)) s",
                                hint: "wait for it to finish, or raise --lock-timeout")
            }
            usleep(20_000)
        }
        return StateLock(fd: fd)
    }

    // MARK: journal

    public func readJournal() throws(VFIOError) -> Journal? {
        guard let text = try readIfPresent(journalPath) else { return nil }
        return try Journal.decode(text, file: journalPath)
    }

    public func writeJournal(_ journal: Journal) throws(VFIOError) {
        try atomicWrite(journalPath, journal.encoded())
    }

    public func removeJournal() throws(VFIOError) {
        if unlink(journalPath) != 0 && errno != ENOENT { throw Self.error(errno, "remove \(journalPath)") }
        syncDirectory()
    }

    // MARK: managed devices

    public func readManaged() throws(VFIOError) -> [ManagedDevice] {
        guard let text = try readIfPresent(managedPath) else { return [] }
        return try ManagedDevice.decodeAll(text, file: managedPath)
    }

    public func writeManaged(_ devices: [ManagedDevice]) throws(VFIOError) {
        try atomicWrite(managedPath, ManagedDevice.encodeAll(devices))
    }

    // MARK: files

    private func ensureDirectory() throws(VFIOError) {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw Self.error(errno, "create the state directory \(directory)")
        }
    }

    private func readIfPresent(_ path: String) throws(VFIOError) -> String? {
        do {
            return try TextFile.read(path)
        } catch {
            if error.isMissing { return nil }
            // A FIFO or a huge file in the state directory: refused, not read (exit 2).
            guard case .system(let code) = error.reason else { throw error.vfioError() }
            throw Self.error(code, "read \(path)")
        }
    }

    /// Temp file, fsync, rename, fsync the directory: a crash leaves either the old or the new file.
    private func atomicWrite(_ path: String, _ text: String) throws(VFIOError) {
        try ensureDirectory()
        let temporary = path + ".tmp.\(getpid())"
        do {
            let fd = try FileDescriptor.open(temporary, .writeOnly, options: [.create, .truncate, .closeOnExec],
                                             permissions: [.ownerReadWrite, .groupRead, .otherRead])
            try fd.closeAfter {
                _ = try fd.writeAll(Array(text.utf8))
                guard fsync(fd.rawValue) == 0 else { throw Errno(rawValue: errno) }
            }
        } catch {
            unlink(temporary)
            throw Self.error((error as? Errno)?.rawValue ?? EIO, "write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Self.error(code, "rename \(temporary) to \(path)")
        }
        syncDirectory()
    }

    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    private static func error(_ code: Int32, _ what: String) -> VFIOError {
        VFIOError(code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .failed,
                  "cannot \(what): \(errnoName(code))",
                  hint: code == EACCES || code == EPERM ? "run as root, or choose another --state-dir" : nil)
    }
}

/// The held lock; released when closed (or when the process dies, which is what makes flock safe).
public final class StateLock: @unchecked Sendable {
    private var fd: Int32
    init(fd: Int32) { self.fd = fd }
    public var isHeld: Bool { fd >= 0 }
    public func release() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }
    deinit { release() }
}

enum Monotonic {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

enum WallClock {
    static func now() -> Int { Int(time(nil)) }
}
