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

    /// Collects output and writes it in 64 KiB pieces: a long listing is neither one huge string
    /// nor one syscall per line.
    final class Stream {
        private var buffer: [UInt8] = []
        init() { buffer.reserveCapacity(1 << 16) }
        func write(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 16 { flush() }
        }
        func flush() {
            Terminal.write(STDOUT_FILENO, buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Runs `body` with a stream on stdout and flushes it at the end.
    static func streaming(_ body: (Stream) -> Void) {
        let stream = Stream()
        body(stream)
        stream.flush()
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
        write(fd, Array(text.utf8))
    }

    private static func write(_ fd: Int32, _ all: [UInt8]) {
        var bytes = all[...]
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
