#if canImport(Glibc)
import Glibc
#endif

extension VFIOError {
    /// A file named on the command line (a desired-state file, an installed one) that could not be
    /// read, with the status README's "Exit status" documents for the cause: 4 when it does not
    /// exist, 5 when permission is the cause, 2 when it is not a file that can be read as text (a
    /// directory), else 1.
    public static func cannotRead(_ path: String, errno code: Int32) -> VFIOError {
        let message = "cannot read \(path): \(errnoName(code))"
        switch code {
        case ENOENT, ENOTDIR: return .notFound(message)
        case EACCES, EPERM: return VFIOError(.permissionDenied, message, hint: "run as root, or make the file readable")
        case EISDIR: return .usage(message, hint: "name a file, not a directory")
        default: return VFIOError(.failed, message)
        }
    }
}
