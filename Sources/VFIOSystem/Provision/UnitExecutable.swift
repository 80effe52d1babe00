#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The vfioctl binary that the boot unit's `ExecStart=` and the udev rule's `RUN+=` run: the one
/// value from the command line that ends up in generated text. Both files are read by their own
/// rules, so the path is written only when it means exactly itself to both:
/// - systemd.service(5): the executable may not contain quotes, backslashes or control
///   characters ("Executable name contains special characters", the unit never starts); `%` is a
///   specifier (`%%` is one `%`); a space splits words unless the word is quoted.
/// - udev(7): `RUN+=` is a double-quoted value that ends at the first `"`; `%` and `$` are
///   substituted in it (`%%`, `$$` escape them); the program is split into words at spaces,
///   with single or double quotes keeping a word whole.
/// - Both files are line-based: a newline would start a directive of its own.
/// `$` is refused rather than escaped: udev needs `$$`, but systemd does not substitute
/// variables in the executable path, so no one spelling is right for both.
public struct UnitExecutable: Sendable, Equatable {
    /// Absolute, normalized, an executable regular file.
    public let path: String

    /// Checks `path` (see the type) and that it is an executable regular file: under `root` when it
    /// is there, otherwise on this system (an image under construction may not hold it yet).
    public init(_ path: String, root: InstallRoot) throws(VFIOError) {
        try Self.checkCharacters(path)
        guard path.hasPrefix("/") else {
            throw .usage(
                "the vfioctl binary must be an absolute path, not \(Self.shown(path))",
                hint: "the boot unit and the udev rule run it from /")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw .usage(
                "the vfioctl binary path \(Self.shown(path)) is not normalized (no '.', '..', '//' or trailing '/')",
                hint: "write it as systemd and udev will run it, e.g. /usr/local/bin/vfioctl")
        }
        try Self.checkFile(root.isRunningSystem ? [path] : [root.path(of: path), path], shownAs: path)
        self.path = path
    }

    /// The first word of `ExecStart=`: `%` doubled, in double quotes when it holds a space
    /// (nothing else in it needs quoting or escaping: see the type).
    public var systemdWord: String {
        let escaped = path.replacing("%", with: "%%")
        return escaped.contains(" ") ? "\"" + escaped + "\"" : escaped
    }

    /// The first word of the program in `RUN+="..."`: `%` doubled, in single quotes when it holds
    /// a space (a double quote would end the rule's value).
    public var udevWord: String {
        let escaped = path.replacing("%", with: "%%")
        return escaped.contains(" ") ? "'" + escaped + "'" : escaped
    }

    private static func checkCharacters(_ path: String) throws(VFIOError) {
        guard !path.isEmpty else { throw .usage("the vfioctl binary path is empty") }
        for scalar in path.unicodeScalars {
            switch scalar {
            case "\u{FFFD}":
                // What a path that is not valid UTF-8 becomes when read: not the file's real name.
                throw .usage("the vfioctl binary path \(shown(path)) is not valid UTF-8")
            case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}":
                throw .usage(
                    "the vfioctl binary path \(shown(path)) contains a control character",
                    hint: "a unit or rule line cannot hold it")
            case "\"", "'", "\\":
                throw .usage(
                    "the vfioctl binary path \(shown(path)) contains a quote or a backslash, which systemd refuses in ExecStart=",
                    hint: "install vfioctl under a path without them")
            case "$":
                throw .usage(
                    "the vfioctl binary path \(shown(path)) contains '$', which udev substitutes and systemd does not",
                    hint: "install vfioctl under a path without it")
            default:
                continue
            }
        }
    }

    /// The first of `candidates` that exists must be an executable regular file.
    private static func checkFile(_ candidates: [String], shownAs path: String) throws(VFIOError) {
        var info = stat()
        guard candidates.contains(where: { stat($0, &info) == 0 }) else {
            throw .usage(
                "the vfioctl binary \(shown(path)) does not exist (\(errnoName(errno)))",
                hint: "give its installed path with --binary")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .usage("the vfioctl binary \(shown(path)) is not a regular file")
        }
        guard info.st_mode & 0o111 != 0 else {
            throw .usage("the vfioctl binary \(shown(path)) is not executable")
        }
    }

    /// The path for a one-line message: quoted, with control characters escaped.
    static func shown(_ path: String) -> String { path.debugDescription }
}
