/// One sysfs write of a transaction, as `--json` and `--dry-run` show it (see VFIOSystem's `KernelWriter`).
public struct SysfsWriteStep: Sendable, Equatable {
    /// The absolute path written, as a user would write it (`/sys/bus/pci/...`).
    public var path: String { displayPrefix + relativePath }
    /// Kept apart and joined only when shown: most steps are never printed.
    package let displayPrefix: String
    package let relativePath: String
    public var value: String
    /// nil: succeeded (or would be made, in a dry run); otherwise the errno name and text.
    public var error: String?
    public var errno: Int32?

    package init(displayPrefix: String, relativePath: String, value: String, error: String? = nil, errno: Int32? = nil)
    {
        self.displayPrefix = displayPrefix
        self.relativePath = relativePath
        self.value = value
        self.error = error
        self.errno = errno
    }
}
