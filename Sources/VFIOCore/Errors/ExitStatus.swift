/// The exit codes every vfioctl command uses. Scripts depend on them: never renumber.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Success, or nothing to do.
    case success = 0
    /// The operation failed; state was rolled back.
    case failed = 1
    /// Usage error or invalid input (bad address, bad rule file).
    case usage = 2
    /// Refused by a safety check or IOMMU group viability; nothing changed.
    case refused = 3
    /// Device, driver or module not found.
    case notFound = 4
    /// Not allowed to read or write what was needed.
    case permissionDenied = 5
    /// Timed out (lock, udev, device node).
    case timedOut = 6
    /// `diff` / `apply --dry-run`: the host differs from the desired state (changes are pending).
    case changesPending = 7

    /// What the status means, as the README's "Exit status" table and `vfioctl --help` say it
    /// (a test keeps the README's table equal to these lines).
    public var meaning: String {
        switch self {
        case .success: "success, or nothing to do"
        case .failed: "operation failed (state rolled back)"
        case .usage: "usage error or invalid input (bad address, bad rule or state file)"
        case .refused: "refused by a safety check or IOMMU group viability (nothing changed)"
        case .notFound: "not found (device, driver, module)"
        case .permissionDenied: "permission denied"
        case .timedOut: "timed out (lock, device node, udev, or a sysfs write the kernel blocks)"
        case .changesPending: "changes pending (`diff`, `apply --dry-run`)"
        }
    }

    /// Every status and its meaning in one paragraph, for the help text (and so the man page).
    public static var summary: String {
        "Exit status: "
            + allCases.map { "\($0.rawValue) \($0.meaning.replacing("`", with: ""))" }.joined(separator: "; ") + "."
    }
}
