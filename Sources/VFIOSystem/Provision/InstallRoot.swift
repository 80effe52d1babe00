#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The directory `persist` installs under: `/` (the running system) or an image or test
/// directory (`--root DIR`). A relative DIR is taken from the current directory, as a shell would:
/// `persist enable state.toml --root image` installs into `$PWD/image`.
public struct InstallRoot: Sendable, Equatable {
    /// Absolute, without `.` components, repeated or trailing slashes ("/" for the system's root).
    /// `..` is kept: the kernel resolves it, past any symbolic link, when the path is opened.
    public let path: String
    /// This is the running system's root, whatever the spelling (`/`, `/tmp/..`, a link to `/`):
    /// only then are systemd and udev told about changed files. An image's files are not theirs.
    public let isRunningSystem: Bool

    /// `text` as given to `--root`.
    public init(_ text: String) throws(VFIOError) {
        // An unset shell variable must not mean "the current directory" (nor "/").
        guard !text.allSatisfy(\.isWhitespace) else {
            throw .usage("--root is empty", hint: "name a directory, or leave --root out to install under /")
        }
        var absolute = text
        if !text.hasPrefix("/") {
            guard let directory = Self.currentDirectory() else {
                throw VFIOError(.failed, "cannot resolve the relative --root \(text): the current directory is gone")
            }
            absolute = directory + "/" + text
        }
        let parts = absolute.split(separator: "/").filter { $0 != "." }
        path = "/" + parts.joined(separator: "/")
        isRunningSystem = Self.sameFile(path, "/")
    }

    /// Where the system's `absolute` path is under this root.
    public func path(of absolute: String) -> String { path == "/" ? absolute : path + absolute }

    private static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        return buffer.withUnsafeMutableBufferPointer { buffer in
            getcwd(buffer.baseAddress, buffer.count).map { String(cString: $0) }
        }
    }

    /// Both paths name the same existing directory (same device and inode).
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
