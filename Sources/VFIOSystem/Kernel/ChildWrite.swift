#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// One write(2) made by a child process (`vfioctl_write_in_child`), for the sysfs writes the kernel
/// may block without limit: unbinding a device a VFIO user holds waits until the user lets go, and
/// after the first signal it waits uninterruptibly, so a thread could never give up on it (the
/// process could not even exit). The child holds nothing but the attribute's descriptor, so the
/// state directory's lock is free as soon as vfioctl is done, whatever the write does.
enum ChildWrite {
    enum Outcome: Equatable {
        case done
        /// The write failed with this errno.
        case failed(Int32)
        /// Still blocked when the time ran out.
        case pending
    }

    /// Starts the write of `value` to `fd` (the caller then closes its own `fd`); the child's pid,
    /// or the fork's errno.
    static func start(_ fd: Int32, _ value: String) -> Result<pid_t, Errno> {
        var bytes = value
        let pid = bytes.withUTF8 { vfioctl_write_in_child(fd, $0.baseAddress, $0.count) }
        return pid > 0 ? .success(pid) : .failure(Errno(errno))
    }

    /// Waits at most `timeout` seconds for child `pid` (from `start`) to finish its write.
    static func wait(_ pid: pid_t, timeout: Double) -> Outcome {
        // Woken the moment the child exits: polling waitpid added up to its pause to every write,
        // several milliseconds per device under TCG.
        var status: Int32 = 0
        switch vfioctl_wait_child(pid, milliseconds(timeout), &status) {
        case 1: return outcome(status)
        case 0: return .pending
        default:
            // No pidfd_open (kernels before 5.3): look with waitpid, often at first, then less.
            guard errno == ENOSYS else { return .failed(errno) }
            return polledWait(pid, timeout: timeout)
        }
    }

    /// `timeout` seconds as poll(2) takes them (a bound far beyond any write is as good as none).
    static func milliseconds(_ timeout: Double) -> Int32 {
        let seconds = timeout.isFinite ? min(max(timeout, 0), 2_000_000) : 2_000_000
        return Int32((seconds * 1000).rounded(.up))
    }

    private static func outcome(_ status: Int32) -> Outcome {
        let exited = status & 0x7F == 0
        let code = (status >> 8) & 0xFF
        return exited && code == 0 ? .done : .failed(exited ? code : EINTR)
    }

    private static func polledWait(_ pid: pid_t, timeout: Double) -> Outcome {
        let deadline = Monotonic.now() + timeout
        // Most writes return within milliseconds: look often at first, then less.
        var pause: UInt32 = 200
        while true {
            var status: Int32 = 0
            let reaped = retryingOnInterrupt { waitpid(pid, &status, WNOHANG) }
            if reaped == pid { return outcome(status) }
            if reaped < 0 { return .failed(errno) }
            if Monotonic.now() >= deadline { return .pending }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// Whether the child `pid` of a vfioctl (this one or an earlier one) still runs: the process
    /// exists and runs this program (`/proc/PID/exe`), so a pid the system gave to another program
    /// since is not mistaken for it. A zombie or a gone process has no exe link; one whose link
    /// this user may not read counts as running (nothing is written while in doubt).
    static func isRunning(_ pid: Int, proc: String = "/proc") -> Bool {
        guard pid > 0, pid <= Int(Int32.max) else { return false }
        switch executable(of: "\(proc)/\(pid)/exe") {
        case .success(let path): return path == (try? executable(of: "/proc/self/exe").get())
        case .failure(let error): return error.code == EACCES || error.code == EPERM
        }
    }

    private static func executable(of link: String) -> Result<String, Errno> {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(link, &buffer, buffer.count - 1)
        guard count >= 0 else { return .failure(Errno(errno)) }
        return .success(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    struct Errno: Error { var code: Int32; init(_ code: Int32) { self.code = code } }
}
