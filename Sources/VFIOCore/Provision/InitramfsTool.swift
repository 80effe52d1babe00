/// The program that builds the initramfs: Debian's initramfs-tools, or dracut (the two packages
/// conflict). Both install their image as /boot/initrd.img-RELEASE. What is found on a system, and
/// how an image is inspected, is VFIOSystem's (`InitramfsTool+System.swift`).
public enum InitramfsTool: String, Sendable, Equatable {
    case initramfsTools = "initramfs-tools"
    case dracut

    /// Rebuilds the image of every installed kernel, not only the newest: whichever kernel boots
    /// next must carry the rule (and, after `disable`, must not).
    public var rebuildCommand: [String] {
        switch self {
        case .initramfsTools: ["/usr/sbin/update-initramfs", "-u", "-k", "all"]
        case .dracut: ["/usr/bin/dracut", "--force", "--regenerate-all"]
        }
    }

    /// `lsinitramfs IMAGE` / `lsinitrd IMAGE`: lists the image's files.
    public var listCommand: String {
        switch self {
        case .initramfsTools: "/usr/bin/lsinitramfs"
        case .dracut: "/usr/bin/lsinitrd"
        }
    }
}
