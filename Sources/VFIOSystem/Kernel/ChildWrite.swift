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
        let deadline = Monotonic.now() + timeout
        // Most writes return within milliseconds: look often at first, then less.
        var pause: UInt32 = 200
        while true {
            var status: Int32 = 0
            let reaped = retryingOnInterrupt { waitpid(pid, &status, WNOHANG) }
            if reaped == pid {
                let exited = status & 0x7F == 0
                let code = (status >> 8) & 0xFF
                return exited && code == 0 ? .done : .failed(exited ? code : EINTR)
            }
            if reaped < 0 { return .failed(errno) }
            if Monotonic.now() >= deadline { return .pending }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    struct Errno: Error { var code: Int32; init(_ code: Int32) { self.code = code } }
}
