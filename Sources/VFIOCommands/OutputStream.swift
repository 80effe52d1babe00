#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Where a command's text goes: the process's standard output or error for `vfioctl`, memory in
/// tests that run a command in-process.
public struct OutputStream: Sendable {
    private let sink: @Sendable ([UInt8]) -> Void
    /// Whether a person may be watching (a terminal): only then are progress lines shown.
    public let isTerminal: Bool

    public init(isTerminal: Bool = false, _ sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.sink = sink
        self.isTerminal = isTerminal
    }

    public func write(_ text: String) { sink(Array(text.utf8)) }
    public func write(_ bytes: [UInt8]) { sink(bytes) }

    /// A file descriptor of this process, written whole (short writes and EINTR continue). A reader
    /// that went away (`| head`) ends the writing quietly: nothing sensible is left to do.
    public static func fileDescriptor(_ fd: Int32) -> OutputStream {
        OutputStream(isTerminal: isatty(fd) == 1) { all in
            var bytes = all[...]
            while !bytes.isEmpty {
                let n = retryingOnInterrupt { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
                if n < 0 { return }
                bytes = bytes.dropFirst(n)
            }
        }
    }
}
