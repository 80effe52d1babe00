#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The fallback when no libudev monitor can be opened (`UdevEventWatch`): waits until udev has
/// processed every queued event (what `udevadm settle` checks: systemd-udevd keeps /run/udev/queue
/// while events are pending). Where udevd is not running there is nothing
/// to wait for: the node the kernel created in devtmpfs is final.
enum UdevSettle {
    static func wait(until deadline: Double) -> Bool {
        guard access("/run/udev/control", F_OK) == 0 else { return true }
        while access("/run/udev/queue", F_OK) == 0 {
            guard Monotonic.now() < deadline else { return false }
            usleep(5_000)
        }
        return true
    }
}
