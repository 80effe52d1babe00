import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Output to the user: one write per document (so a 4,096-line table is one syscall, not 4,096),
/// warnings and errors as single lines on stderr.
package enum Terminal {
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
        write(STDERR_FILENO, oneLine("vfioctl: warning: " + text) + "\n")
    }

    /// A transient status line on a terminal (`\r`-rewritten); nil clears it.
    static func progress(_ text: String?) {
        write(STDERR_FILENO, "\r\u{1B}[K" + (text ?? ""))
    }

    package static func error(_ error: VFIOError) {
        write(STDERR_FILENO, oneLine(error.description) + "\n")
    }

    /// The longest warning or error line printed; longer ones are cut, saying how long they were.
    static let lineLimit = 4096

    /// Every warning and error passes here on its way to the terminal: one line, with the bytes a
    /// terminal would act on escaped (`\x1b`) wherever in the message they came from, and a bound
    /// on its length. Messages quote user text with `UserText.quoted`, which cuts it much sooner.
    static func oneLine(_ text: String) -> String {
        let line = UserText.escaped(text.replacing("\n", with: " "))
        guard line.utf8.count > lineLimit else { return line }
        let count = line.count
        guard count > lineLimit else { return line }
        return String(line.prefix(lineLimit)) + "… (\(count) characters)"
    }

    private static func write(_ fd: Int32, _ text: String) {
        write(fd, Array(text.utf8))
    }

    private static func write(_ fd: Int32, _ all: [UInt8]) {
        var bytes = all[...]
        while !bytes.isEmpty {
            let n = retryingOnInterrupt { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
            // stdout closed (e.g. `| head`): nothing sensible left to do.
            if n < 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
