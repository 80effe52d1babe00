import VFIOCore

/// Output to the user, through the context's streams: one write per document (so a 4,096-line
/// table is one syscall, not 4,096), warnings and errors as single lines on stderr.
package struct Terminal: Sendable {
    let standardOutput: OutputStream
    let standardError: OutputStream

    func out(_ text: String) {
        standardOutput.write(text)
    }

    /// Collects output and writes it in 64 KiB pieces: a long listing is neither one huge string
    /// nor one syscall per line.
    final class Stream {
        private let target: OutputStream
        private var buffer: [UInt8] = []
        init(_ target: OutputStream) {
            self.target = target
            buffer.reserveCapacity(1 << 16)
        }
        func write(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 16 { flush() }
        }
        func flush() {
            if !buffer.isEmpty { target.write(buffer) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Runs `body` with a stream on stdout and flushes it at the end.
    func streaming(_ body: (Stream) -> Void) {
        let stream = Stream(standardOutput)
        body(stream)
        stream.flush()
    }

    func warning(_ text: String) {
        standardError.write(Self.oneLine("vfioctl: warning: " + text) + "\n")
    }

    /// A transient status line on a terminal (`\r`-rewritten); nil clears it.
    func progress(_ text: String?) {
        standardError.write("\r\u{1B}[K" + (text ?? ""))
    }

    package func error(_ error: VFIOError) {
        standardError.write(Self.oneLine(error.description) + "\n")
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
}
