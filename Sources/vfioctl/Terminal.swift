import VFIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Output to the user: one write per document (so a 4,096-line table is one syscall, not 4,096),
/// warnings and errors as single lines on stderr.
enum Terminal {
    static func out(_ text: String) {
        write(STDOUT_FILENO, text)
    }

    static func warning(_ text: String) {
        write(STDERR_FILENO, "vfioctl: warning: " + text.replacing("\n", with: " ") + "\n")
    }

    /// A transient status line on a terminal (`\r`-rewritten); nil clears it.
    static func progress(_ text: String?) {
        write(STDERR_FILENO, "\r\u{1B}[K" + (text ?? ""))
    }

    static func error(_ error: VFIOError) {
        write(STDERR_FILENO, error.description + "\n")
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return  // stdout closed (e.g. `| head`): nothing sensible left to do
            }
            bytes = bytes.dropFirst(n)
        }
    }
}
