import Foundation
import Glibc
import Testing
import VFIOCore

/// Helpers of the adversarial tests: files made on purpose, and a guard against hanging.
enum AdversarialFiles {
    /// Runs `body` on a thread of its own; nil when it has not returned within `seconds`. Then every
    /// path in `releasing` that is a FIFO is opened both ways: a reader (left open, so the write
    /// gets no SIGPIPE) ends an open for writing blocked on it, and a writer, closed at once, ends
    /// a blocked read (end-of-file). The thread finishes and the suite goes on.
    static func finishes<T: Sendable>(
        within seconds: Int = 10, releasing fifos: [String], _ body: @escaping @Sendable () -> T
    ) -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.set(body())
            done.signal()
        }
        if done.wait(timeout: .now() + .seconds(seconds)) == .success { return box.get() }
        for path in fifos {
            _ = open(path, O_RDONLY | O_NONBLOCK)
            let writer = open(path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        _ = done.wait(timeout: .now() + .seconds(seconds))
        return nil
    }

    /// The VFIOError `body` throws, under `finishes`; nil (with an issue recorded) when it throws
    /// nothing or hangs.
    static func vfioError(releasing fifos: [String], _ body: @escaping @Sendable () throws -> Void) -> VFIOError? {
        let outcome = finishes(releasing: fifos) { () -> String? in
            do {
                try body()
                return nil
            } catch let error as VFIOError {
                return "\(error.status.rawValue)\t\(error.message)"
            } catch {
                return "?\t\(error)"
            }
        }
        guard let outcome else {
            Issue.record("it hung (released by the test's guard)")
            return nil
        }
        guard let text = outcome else {
            Issue.record("no error was thrown")
            return nil
        }
        let parts = text.split(separator: "\t", maxSplits: 1).map(String.init)
        guard let code = Int32(parts[0]), let status = ExitStatus(rawValue: code) else {
            Issue.record("not a VFIOError: \(text)")
            return nil
        }
        return VFIOError(status, parts.count > 1 ? parts[1] : "")
    }

    /// Character device 240:200: a major for local use that no driver here registers.
    static let driverlessDevice = dev_t(240 << 8 | 200)

    static func write(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0, "\(path)")
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// A file of `size` bytes that takes no space (ftruncate).
    static func sparse(_ path: String, size: Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0, "\(path)")
        #expect(ftruncate(fd, off_t(size)) == 0)
        close(fd)
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var value: T?
    private let lock = NSLock()
    func set(_ new: T) { lock.withLock { value = new } }
    func get() -> T? { lock.withLock { value } }
}
