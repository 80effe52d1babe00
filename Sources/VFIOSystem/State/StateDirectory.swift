#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The state directory, opened only when it can be trusted, and its files opened relative to it.
///
/// vfioctl runs as root and acts on what the journal says, so whoever can write the state directory
/// can make it unbind any device. The rule (sshd's StrictModes / `secure_path`, systemd-tmpfiles):
/// - the path is walked from `/` one component at a time with `O_NOFOLLOW`: no component may be a
///   symbolic link (give the real path);
/// - every directory on the way is owned by root or the effective user; the ancestors are not
///   writable by group or others unless sticky (`/tmp`, `/dev/shm`), and the state directory
///   itself is not writable by group or others at all;
/// - every file vfioctl uses in it is opened with `O_NOFOLLOW|O_NONBLOCK` relative to the checked
///   directory's descriptor and used only when it is a regular file with one link, owned by root or
///   the effective user and not writable by group or others;
/// - files are replaced through a new temp file (`O_CREAT|O_EXCL`, a random name) renamed over them.
/// A directory or file that breaks the rule is refused with exit status 5, naming it and the fix.
/// The state directory is created `0755` (its files `0644`, the lock `0600`), owned by the effective
/// user: unprivileged `vfioctl status` can read the records, only its owner can change them.
final class StateDirectory {
    let path: String
    /// The state directory itself, opened `O_RDONLY` (fsync needs a readable descriptor).
    let fd: Int32
    let naming: Naming

    private init(path: String, fd: Int32, naming: Naming) {
        self.path = path
        self.fd = fd
        self.naming = naming
    }

    /// What the directory is to the user and the option that chose it, for the messages and for the
    /// fix a refusal suggests: the state directory (`--state-dir`) or the directory of the
    /// desired-state file (`--state-file`).
    struct Naming: Sendable {
        /// "the state directory".
        var directory: String
        var option: String
        /// The option's value that names the same file or directory by its real path, given the
        /// directory's path as written.
        var realPath: @Sendable (_ directory: String) -> String

        static let stateDirectory = Naming(directory: "the state directory", option: "--state-dir") {
            "\"$(realpath \($0))\""
        }

        /// The directory of the desired-state file `name`.
        static func stateFile(_ name: String) -> Naming {
            Naming(directory: "the directory of the state file", option: "--state-file") {
                "\"$(realpath \($0))/\(name)\""
            }
        }
    }

    deinit { close(fd) }

    /// `O_PATH` (Glibc hides it behind _GNU_SOURCE): a descriptor that only names a directory, for
    /// walking ancestors that may be searchable but not readable.
    private static let oPath: Int32 = 0o10_000_000

    /// nil when the directory does not exist and `create` is false (nothing was ever stored). With
    /// `create`, the state directory itself is created when missing; its parent must exist.
    static func open(
        _ path: String, create: Bool, naming: Naming = .stateDirectory
    ) throws(VFIOError) -> StateDirectory? {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        let names = absolute.split(separator: "/").map(String.init).filter { $0 != "." }
        var current = Glibc.open("/", oPath | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw failure(errno, "open /", naming) }
        do throws(VFIOError) {
            try checkDirectory(current, path: "/", isStateDirectory: names.isEmpty, naming)
            var walked = ""
            for (index, name) in names.enumerated() {
                let last = index == names.count - 1
                walked += "/" + name
                let component = Component(
                    name: name, path: walked, isStateDirectory: last, stateDirectory: absolute, naming: naming)
                guard let next = try component.open(in: current, create: create) else {
                    close(current)
                    return nil
                }
                close(current)
                current = next
                try checkDirectory(current, path: walked, isStateDirectory: last, naming)
            }
        } catch {
            close(current)
            throw error
        }
        return StateDirectory(path: absolute, fd: current, naming: naming)
    }

    /// One directory on the way to the state directory.
    private struct Component {
        var name: String
        var path: String
        var isStateDirectory: Bool
        var stateDirectory: String
        var naming: Naming

        /// Opened relative to its parent without following a symlink; ancestors only need searching
        /// (`O_PATH`), the state directory is opened for reading. nil when it is missing and not to
        /// be created.
        func open(in parent: Int32, create: Bool) throws(VFIOError) -> Int32? {
            let flags = (isStateDirectory ? O_RDONLY : oPath) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
            var fd = openat(parent, name, flags)
            if fd < 0 && errno == ENOENT {
                guard create else { return nil }
                guard isStateDirectory else {
                    throw failure(
                        ENOENT, "create \(naming.directory) \(stateDirectory): \(path) does not exist", naming)
                }
                guard mkdirat(parent, name, 0o755) == 0 || errno == EEXIST else {
                    throw failure(errno, "create \(naming.directory) \(stateDirectory)", naming)
                }
                fd = openat(parent, name, flags)
            }
            guard fd >= 0 else {
                let code = errno
                if code == ELOOP || code == ENOTDIR { throw notADirectory(in: parent) }
                throw failure(code, "open \(path)", naming)
            }
            return fd
        }

        /// Why it could not be opened as a directory: a symlink, or something else.
        private func notADirectory(in parent: Int32) -> VFIOError {
            var info = stat()
            if fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFLNK {
                return untrusted(
                    path, "is a symbolic link on the way to \(naming.directory) \(stateDirectory)",
                    fix: "give the real path, e.g. \(naming.option) \(naming.realPath(stateDirectory))", naming)
            }
            return VFIOError(
                .usage, "\(naming.directory) \(stateDirectory) cannot be used: \(path) is not a directory")
        }
    }

    // MARK: files

    /// Opens a file of the directory (`O_NOFOLLOW|O_NONBLOCK`, so a planted FIFO cannot block) and
    /// checks it; nil when it does not exist and `flags` has no `O_CREAT`.
    func openFile(_ name: String, flags: Int32, mode: mode_t = 0o644) throws(VFIOError) -> Int32? {
        // Looked at before opening: opening a device node can act on hardware. The check after
        // opening (`checkFile`) is the one that counts, should the entry be replaced in between.
        var seen = stat()
        if fstatat(self.fd, name, &seen, AT_SYMLINK_NOFOLLOW) == 0 {
            let kind = FileKind(mode: seen.st_mode)
            if kind != .regularFile && kind != .symlink {
                throw Self.untrusted(
                    filePath(name), "is not a regular file (it is \(kind.rawValue))", fix: "inspect it, then remove it",
                    naming)
            }
        }
        let fd = openat(self.fd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT && flags & O_CREAT == 0 { return nil }
            if code == ELOOP {
                throw Self.untrusted(filePath(name), "is a symbolic link", fix: "rm \(filePath(name))", naming)
            }
            if code == EISDIR {
                throw Self.untrusted(filePath(name), "is not a regular file", fix: "inspect it, then remove it", naming)
            }
            throw Self.failure(code, "open \(filePath(name))", naming)
        }
        do throws(VFIOError) {
            try checkFile(fd, name: name)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// The file's text, nil when it does not exist. State files are small: more than 16 MiB is refused.
    func read(_ name: String) throws(VFIOError) -> String? {
        guard let fd = try openFile(name, flags: O_RDONLY) else { return nil }
        defer { close(fd) }
        // The one bounded reader of configuration files: at most 16 MiB, EINTR retried.
        do { return String(decoding: try TextFile.bytes(openFile: fd, path: filePath(name)), as: UTF8.self) } catch {
            throw error.vfioError()
        }
    }

    /// Writes a new temp file (created exclusively under a random name, so nothing planted can be
    /// followed or truncated), fsyncs it and renames it over `name`: a crash leaves the old or the
    /// new file. With `keepOpen` the renamed file's descriptor is returned, at its end (the journal
    /// appends to it).
    /// With `keepingModeAndOwner`, the new file gets the mode and owner of the one it replaces (a
    /// file people edit, such as the desired-state file, may be 0600 or owned by another admin).
    func replace(
        _ name: String, with text: String, keepOpen: Bool = false, keepingModeAndOwner: Bool = false
    ) throws(VFIOError) -> Int32? {
        let (fd, temporary) = try createTemporary(for: name)
        do throws(VFIOError) {
            var old = stat()
            if keepingModeAndOwner, fstatat(self.fd, name, &old, AT_SYMLINK_NOFOLLOW) == 0 {
                guard fchown(fd, old.st_uid, old.st_gid) == 0, fchmod(fd, old.st_mode & 0o7777) == 0 else {
                    throw Self.failure(
                        errno, "give \(filePath(temporary)) the mode and owner of \(filePath(name))", naming)
                }
            }
            try Self.writeAll(fd, Array(text.utf8), what: filePath(temporary))
            guard fsync(fd) == 0 else { throw Self.failure(errno, "fsync \(filePath(temporary))", naming) }
            guard renameat(self.fd, temporary, self.fd, name) == 0 else {
                throw Self.failure(errno, "rename \(filePath(temporary)) to \(filePath(name))", naming)
            }
        } catch {
            close(fd)
            unlinkat(self.fd, temporary, 0)
            throw error
        }
        sync()
        if keepOpen { return fd }
        close(fd)
        return nil
    }

    /// `rm -f DIR/NAME`, then fsync of the directory.
    func remove(_ name: String) throws(VFIOError) {
        if unlinkat(fd, name, 0) != 0 && errno != ENOENT {
            throw Self.failure(errno, "remove \(filePath(name))", naming)
        }
        sync()
    }

    /// The file's device and inode without following a link; nil when it does not exist.
    func identity(of name: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    func sync() { fsync(fd) }

    func filePath(_ name: String) -> String { path + "/" + name }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws(VFIOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { buffer in
                retryingOnInterrupt { Glibc.write(fd, buffer.baseAddress, buffer.count) }
            }
            if n < 0 { throw failure(errno, "write \(what)") }
            offset += n
        }
    }

    private func createTemporary(for name: String) throws(VFIOError) -> (Int32, String) {
        for _ in 0..<8 {
            let temporary = ".\(name).\(Self.randomSuffix())"
            let fd = openat(self.fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, temporary) }
            guard errno == EEXIST else { throw Self.failure(errno, "create \(filePath(temporary))", naming) }
        }
        throw VFIOError(
            .failed, "cannot create a temp file in \(path): every random name was taken",
            hint: "inspect \(path)")
    }

    /// 16 hex digits from the system generator (getrandom(2)): a name nobody can create in advance.
    private static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next()
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: checks

    private static func trustedOwner(_ uid: uid_t) -> Bool { uid == 0 || uid == geteuid() }

    private static func ownerName() -> String { geteuid() == 0 ? "root:" : "\(geteuid())" }

    private static func checkDirectory(
        _ fd: Int32, path: String, isStateDirectory: Bool, _ naming: Naming
    ) throws(VFIOError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(errno, "stat \(path)", naming) }
        let what = isStateDirectory ? naming.directory : "a parent of \(naming.directory)"
        guard trustedOwner(info.st_uid) else {
            throw untrusted(
                path,
                "is \(what) and owned by uid \(info.st_uid), not root\(geteuid() == 0 ? "" : " or uid \(geteuid())")",
                fix: isStateDirectory
                    ? "chown \(ownerName()) \(path) && chmod 0755 \(path)"
                    : "chown \(ownerName()) \(path) && chmod go-w \(path)", naming)
        }
        let writable = info.st_mode & (S_IWGRP | S_IWOTH)
        // A sticky ancestor (/tmp) lets others add entries but not replace ours.
        guard writable == 0 || (!isStateDirectory && info.st_mode & S_ISVTX != 0) else {
            throw untrusted(
                path, "is \(what) and writable by group or others (mode \(octal(info.st_mode)))",
                fix: isStateDirectory ? "chmod 0755 \(path)" : "chmod go-w \(path)", naming)
        }
    }

    private func checkFile(_ fd: Int32, name: String) throws(VFIOError) {
        var info = stat()
        let path = filePath(name)
        guard fstat(fd, &info) == 0 else { throw Self.failure(errno, "stat \(path)", naming) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Self.untrusted(
                path, "is not a regular file (it is \(FileKind(mode: info.st_mode).rawValue))",
                fix: "inspect it, then remove it", naming)
        }
        guard Self.trustedOwner(info.st_uid) else {
            throw Self.untrusted(
                path, "is owned by uid \(info.st_uid), not root\(geteuid() == 0 ? "" : " or uid \(geteuid())")",
                fix: "inspect it, then rm \(path)", naming)
        }
        guard info.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
            throw Self.untrusted(
                path, "is writable by group or others (mode \(Self.octal(info.st_mode)))",
                fix: "inspect it, then chmod go-w \(path)", naming)
        }
        // 0 is a file replaced (renamed over) by another vfioctl since it was opened: not a second name.
        guard info.st_nlink <= 1 else {
            throw Self.untrusted(path, "has \(info.st_nlink) hard links", fix: "inspect it, then rm \(path)", naming)
        }
    }

    /// Whether `error` is this rule refusing something (which running as root would not change),
    /// rather than the system denying access.
    static func isTrustRefusal(_ error: VFIOError) -> Bool { error.message.hasPrefix(refusalPrefix) }

    private static let refusalPrefix = "refusing to use "

    private static func untrusted(_ path: String, _ problem: String, fix: String, _ naming: Naming) -> VFIOError {
        VFIOError(
            .permissionDenied, "\(refusalPrefix)\(path): it \(problem)",
            hint:
                "\(fix), or choose another \(naming.option); vfioctl trusts only state owned by root (or you) that others cannot write"
        )
    }

    private static func octal(_ mode: mode_t) -> String {
        let text = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    static func failure(_ code: Int32, _ what: String, _ naming: Naming = .stateDirectory) -> VFIOError {
        VFIOError(
            code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .failed,
            "cannot \(what): \(errnoName(code))",
            hint: code == EACCES || code == EPERM ? "run as root, or choose another \(naming.option)" : nil)
    }

    private static func currentDirectory() -> String {
        guard let buffer = getcwd(nil, 0) else { return "." }
        defer { free(buffer) }
        return String(cString: buffer)
    }
}
