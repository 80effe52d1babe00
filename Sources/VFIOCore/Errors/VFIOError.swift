/// The one error type the library throws. Each carries the exit status the CLI will use, a one-line
/// message, and an optional hint telling the user what to do about it.
public struct VFIOError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String
    public var hint: String?
    /// Nothing was changed and the same command may succeed if run again (another vfioctl moved a
    /// device while this one waited for the lock).
    public var retryable = false

    public init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    /// `vfioctl: error: MESSAGE (hint: HINT)` — always one line.
    public var description: String {
        let line = hint.map { "\(message) (hint: \($0))" } ?? message
        return "vfioctl: error: " + line.replacing("\n", with: " ")
    }

    public static func usage(_ message: String, hint: String? = nil) -> VFIOError {
        VFIOError(.usage, message, hint: hint)
    }
    public static func notFound(_ message: String, hint: String? = nil) -> VFIOError {
        VFIOError(.notFound, message, hint: hint)
    }
}
