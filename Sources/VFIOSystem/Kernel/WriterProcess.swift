#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Synchronization

/// The process that makes a command's bounded writes (`vfioctl_writer_start`): started at the first
/// one and handed each attribute's descriptor, so binding many devices starts one process rather
/// than one per write (under TCG a fork costs milliseconds). It shares vfioctl's memory where the C
/// side can (writer_process.c says why and what that demands of it), so handing it a write does not
/// switch address spaces. It holds none of vfioctl's descriptors, so the state directory's lock is
/// free as soon as vfioctl is done. A write still blocked when its time runs out keeps the writer:
/// vfioctl lets it go (closes its end) and the next bounded write, if any, starts another; the
/// abandoned one exits once its write returns. Every other writer exits when its `LiveSysfs` goes.
final class WriterProcess: Sendable {
    private struct Writer {
        var pid: pid_t
        var socket: Int32
        /// The memory it runs on, when it shares vfioctl's: given back once it has exited.
        var stack: UnsafeMutableRawPointer?
        /// The wait its socket was last set to, in milliseconds (set again only when it changes).
        var timeout: Int32?
    }
    private let current = Mutex<Writer?>(nil)

    enum Outcome: Equatable {
        case done
        /// The write failed with this errno.
        case failed(Int32)
        /// Still blocked when the time ran out, in the writer `pid`.
        case pending(pid_t)
    }

    /// nil when the write was not handed over (no writer could start, the value does not fit a
    /// message, or the writer was gone before it took it): nothing was written, and the caller makes
    /// the write another way (a child of its own). With `atStart` the value is written at offset 0 (a descriptor the caller keeps open for many
    /// writes, whose offset a plain write would move on); else where `fd` stands.
    func write(_ fd: Int32, _ value: String, atStart: Bool = false, timeout: Double) -> Outcome? {
        current.withLock { current -> Outcome? in
            if current == nil {
                var socket: Int32 = -1
                var stack: UnsafeMutableRawPointer?
                let pid = vfioctl_writer_start(&socket, &stack)
                guard pid > 0 else { return nil }
                current = Writer(pid: pid, socket: socket, stack: stack)
            }
            guard let writer = current else { return nil }
            let wait = ChildWrite.milliseconds(timeout)
            if writer.timeout != wait {
                guard vfioctl_writer_set_timeout(writer.socket, wait) == 0 else { return nil }
                current?.timeout = wait
            }
            var bytes = value
            let sent = bytes.withUTF8 {
                vfioctl_writer_send(writer.socket, fd, $0.baseAddress, $0.count, atStart ? 1 : 0)
            }
            guard sent == 0 else {
                // Too large or empty: this writer stays for the next write. Gone: start anew next time.
                if errno != EMSGSIZE { Self.release(&current, waitingForExit: true) }
                return nil
            }
            var error: Int32 = 0
            switch vfioctl_writer_wait(writer.socket, &error) {
            case 1:
                return error == 0 ? .done : .failed(error)
            case 0:
                let pending = Outcome.pending(writer.pid)
                Self.release(&current, waitingForExit: false)
                return pending
            default:
                // It died holding the write: whether the kernel took it is unknown, so it is not
                // made again; the caller reports the failure.
                let lost = errno
                Self.release(&current, waitingForExit: true)
                return .failed(lost == 0 ? EPIPE : lost)
            }
        }
    }

    deinit {
        current.withLock { Self.release(&$0, waitingForExit: true) }
    }

    /// Closes vfioctl's end: an idle writer reads the end and exits, and is reaped here; one blocked
    /// in a write is left to finish it (`waitingForExit` false).
    private static func release(_ current: inout Writer?, waitingForExit: Bool) {
        guard let writer = current else { return }
        current = nil
        close(writer.socket)
        if waitingForExit {
            var status: Int32 = 0
            if retryingOnInterrupt({ waitpid(writer.pid, &status, 0) }) == writer.pid {
                vfioctl_writer_free_stack(writer.stack)
            }
        }
    }
}
