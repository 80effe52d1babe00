#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Whole-file reads of configuration and index files: rule files, state files, the journal and
/// managed records, modules.alias/.dep/.builtin*, modprobe.d files, /proc files.
///
/// Such a file must be a regular file of at most `sizeLimit` bytes. A FIFO, a device or a directory
/// where one is expected is refused with an error naming what it is: opening or reading one could
/// block forever (a FIFO with no writer), never end (`/dev/zero`) or act on hardware. Symlinks are
/// followed (files in /etc often are) unless the caller says otherwise; the target is what is checked.
public enum TextFile {
    /// The largest file read: far above any real one (Debian's modules.alias is ~1.5 MiB).
    public static let sizeLimit = 16 << 20

    /// What a file may be besides a regular file.
    public enum Accept: Sendable {
        /// A regular file only.
        case regularFile
        /// Also `/dev/null` (or a link to it), read as empty: how udev, systemd and modprobe.d
        /// users mask a same-named file of a lower-precedence directory.
        case regularFileOrNull
    }

    /// The file's text (bytes that are not UTF-8 become U+FFFD).
    public static func read(_ path: String, accept: Accept = .regularFile) throws(FileReadError) -> String {
        String(decoding: try bytes(path, accept: accept), as: UTF8.self)
    }

    /// The file's bytes. `directory` anchors a relative `path` (an open directory's descriptor);
    /// `followSymlinks: false` refuses a link as the last component (ELOOP).
    public static func bytes(
        _ path: String, relativeTo directory: Int32 = AT_FDCWD, followSymlinks: Bool = true,
        accept: Accept = .regularFile
    ) throws(FileReadError) -> [UInt8] {
        // Looked at before opening: opening a device node can have effects of its own (a tape
        // rewinds, a watchdog arms). The check after opening is the one that counts (a rename in
        // between), and O_NONBLOCK keeps even that open from waiting on a FIFO's writer.
        var info = stat()
        let noFollow = followSymlinks ? 0 : AT_SYMLINK_NOFOLLOW
        guard fstatat(directory, path, &info, noFollow) == 0 else { throw FileReadError(path, errno: errno) }
        switch verdict(info, accept: accept) {
        case .read: break
        case .empty: return []
        case .refuse(let reason): throw FileReadError(path, reason)
        }
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (followSymlinks ? 0 : O_NOFOLLOW)
        let fd = openat(directory, path, flags)
        guard fd >= 0 else { throw FileReadError(path, errno: errno) }
        defer { close(fd) }
        return try bytes(openFile: fd, path: path, accept: accept)
    }

    /// The bytes of a file already open for reading (for callers that open it their own way, such
    /// as relative to a checked directory), with the same checks.
    public static func bytes(
        openFile fd: Int32, path: String, accept: Accept = .regularFile
    ) throws(FileReadError) -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileReadError(path, errno: errno) }
        switch verdict(info, accept: accept) {
        case .read: break
        case .empty: return []
        case .refuse(let reason): throw FileReadError(path, reason)
        }
        // Sized from fstat, but never trusted: /proc files say 0, and a file may grow while read.
        var bytes = [UInt8](repeating: 0, count: min(max(Int(info.st_size), 0), sizeLimit) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                // One byte past the limit is enough to know the file is too large.
                guard count <= sizeLimit else { throw FileReadError(path, .tooLarge) }
                bytes.append(contentsOf: repeatElement(0, count: min(max(4096, count), sizeLimit + 1 - count)))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                retryingOnInterrupt { Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count) }
            }
            if n < 0 { throw FileReadError(path, errno: errno) }
            if n == 0 { break }
            count += n
        }
        guard count <= sizeLimit else { throw FileReadError(path, .tooLarge) }
        bytes.removeSubrange(count...)
        return bytes
    }

    private enum Verdict {
        case read, empty
        case refuse(FileReadError.Reason)
    }

    private static func verdict(_ info: stat, accept: Accept) -> Verdict {
        let type = info.st_mode & S_IFMT
        if type == S_IFREG { return Int(info.st_size) > sizeLimit ? .refuse(.tooLarge) : .read }
        if type == S_IFCHR && accept == .regularFileOrNull && UInt64(info.st_rdev) == nullDevice { return .empty }
        return .refuse(.notRegular(FileKind(mode: info.st_mode)))
    }

    /// `/dev/null`: character device 1:3 on every Linux.
    private static let nullDevice = makedevice(1, 3)

    private static func makedevice(_ major: UInt32, _ minor: UInt32) -> UInt64 {
        // glibc's makedev: the low 8 bits of the minor, then 12 of the major, then the rest.
        UInt64(minor & 0xff) | UInt64(major & 0xfff) << 8 | UInt64(minor & ~0xff) << 12 | UInt64(major & ~0xfff) << 32
    }
}

/// What kind of file a path is, in the words `ls -l` and `stat` use.
public enum FileKind: String, Sendable {
    case regularFile = "a regular file"
    case directory = "a directory"
    case fifo = "a FIFO"
    case characterDevice = "a character device"
    case blockDevice = "a block device"
    case socket = "a socket"
    case symlink = "a symbolic link"
    case unknown = "of an unknown kind"

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        case S_IFLNK: self = .symlink
        default: self = .unknown
        }
    }
}

/// A configuration or index file that could not be read, or must not be.
public struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// open(2), fstat(2) or read(2) failed.
        case system(Int32)
        /// Not a regular file: a FIFO, a device, a directory...
        case notRegular(FileKind)
        /// Larger than `TextFile.sizeLimit`.
        case tooLarge
    }

    public var path: String
    public var reason: Reason

    public init(_ path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public init(_ path: String, errno code: Int32) {
        self.init(path, .system(code))
    }

    /// An errno for callers that only tell errnos apart: EINVAL for a file of the wrong kind,
    /// EFBIG for one too large.
    public var errno: Int32 {
        switch reason {
        case .system(let code): code
        case .notRegular: EINVAL
        case .tooLarge: EFBIG
        }
    }

    public var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }

    /// Missing: not found; EACCES/EPERM: permission denied; the wrong kind or size: invalid input;
    /// anything else (EIO...): failed.
    public var status: ExitStatus {
        switch reason {
        case .system(let code) where code == ENOENT || code == ENOTDIR: .notFound
        case .system(let code) where code == EACCES || code == EPERM: .permissionDenied
        case .system: .failed
        case .notRegular, .tooLarge: .usage
        }
    }

    /// `PATH: why` in one line.
    public var description: String {
        switch reason {
        case .system(let code): "\(path): \(errnoName(code))"
        case .notRegular(let kind): "\(path): \(kind.rawValue), not a regular file"
        case .tooLarge:
            "\(path): larger than \(TextFile.sizeLimit >> 20) MiB, the limit for configuration and index files"
        }
    }

    /// The VFIOError a command reports, `cannot read [WHAT ]PATH: why`, with this error's status.
    public func vfioError(reading what: String? = nil) -> VFIOError {
        VFIOError(status, "cannot read " + (what.map { $0 + " " } ?? "") + description)
    }
}
