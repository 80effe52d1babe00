#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Which initramfs tool a root has, where the running kernel's image is, and whether it holds a rule.
extension InitramfsTool {
    /// The tool installed under `root` (initramfs-tools first), nil when there is none (the early rule then works from the
    /// root filesystem's udev only, after the initramfs).
    public static func installed(under root: InstallRoot) -> InitramfsTool? {
        if isExecutable(root.path(of: "/usr/sbin/update-initramfs")) { return .initramfsTools }
        if ["/usr/bin/dracut", "/usr/sbin/dracut"].contains(where: { isExecutable(root.path(of: $0)) }) {
            return .dracut
        }
        return nil
    }

    /// The image the running kernel boots from, under `root`.
    public static func image(under root: InstallRoot, release: String = currentRelease) -> String {
        root.path(of: "/boot/initrd.img-" + release)
    }

    public static var currentRelease: String { Uname.release }

    /// Whether `image` holds the rule whose text is `rule`: initramfs-tools images carry the
    /// hook's fingerprint file (lsinitramfs lists names only), dracut's the rule itself
    /// (`lsinitrd -f` prints a file). Throws when the image cannot be inspected.
    public func imageHolds(rule: String, image: String) throws(VFIOError) -> Bool {
        guard access(image, R_OK) == 0 else {
            throw VFIOError(
                errno == ENOENT ? .notFound : .permissionDenied,
                "cannot read the initramfs \(image): \(errnoName(errno))")
        }
        guard Self.isExecutable(listCommand) else {
            throw VFIOError(.notFound, "cannot inspect the initramfs: \(listCommand) is not installed")
        }
        // lsinitramfs lists nothing for a symbolic link to the image (cpio: premature end of archive).
        let image = Self.resolved(image)
        switch self {
        case .initramfsTools:
            let result = ChildProcess.output([listCommand, image])
            guard result.status == 0 else {
                throw VFIOError(.failed, "\(listCommand) \(image) failed (exit \(result.status))")
            }
            let bytes = Array(rule.utf8)
            let name =
                String(EarlyBindingFiles.fingerprintInImagePrefix.dropFirst())
                + "\(POSIXChecksum.checksum(bytes))-\(bytes.count)"
            return String(decoding: result.output, as: UTF8.self).split(separator: "\n").contains { $0 == name }
        case .dracut:
            let result = ChildProcess.output([listCommand, "-f", String(EarlyBindingFiles.udevRule.dropFirst()), image])
            guard result.status == 0 else {
                throw VFIOError(.failed, "\(listCommand) -f ... \(image) failed (exit \(result.status))")
            }
            return result.output == Array(rule.utf8)
        }
    }

    /// `realpath IMAGE`, or IMAGE when it cannot be resolved.
    private static func resolved(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }
}
