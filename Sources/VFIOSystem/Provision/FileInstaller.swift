#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Small, crash-safe file operations for the files `persist` installs. Paths are absolute.
enum FileInstaller {
    /// `install -m MODE /dev/stdin PATH`, atomically: a temporary file next to it, fsync, rename.
    static func write(_ path: String, _ text: String, mode: mode_t) throws(VFIOError) {
        try makeParents(path)
        let temporary = path + ".vfioctl-new"
        // A temporary file left by a crash is replaced; a link planted in its place is not followed.
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(errno, "create \(temporary)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        // The umask may have narrowed the mode given to open.
        let modeSet = fchmod(fd, mode) == 0
        close(fd)
        guard written == bytes.count, synced, modeSet else {
            unlink(temporary)
            throw failure(EIO, "write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure(code, "install \(path)")
        }
    }

    /// `ln -sf TARGET PATH`.
    static func symlink(_ path: String, to target: String) throws(VFIOError) {
        try makeParents(path)
        unlink(path)
        guard Glibc.symlink(target, path) == 0 else { throw failure(errno, "link \(path)") }
    }

    /// `rm -f PATH`; true when something was removed.
    static func remove(_ path: String) throws(VFIOError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure(errno, "remove \(path)")
    }

    /// `mkdir -p "$(dirname PATH)"`.
    private static func makeParents(_ path: String) throws(VFIOError) {
        precondition(path.hasPrefix("/"), "installed paths are absolute")
        var current = ""
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw failure(errno, "create \(current)") }
        }
    }

    private static func failure(_ code: Int32, _ what: String) -> VFIOError {
        VFIOError(
            code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .failed,
            "cannot \(what): \(errnoName(code))", hint: code == EACCES || code == EPERM ? "run as root" : nil)
    }
}
