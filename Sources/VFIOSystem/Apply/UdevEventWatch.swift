import CUDev
#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// A libudev monitor opened before the first write of a bind, so none of its events is missed, and
/// read after the lock is released until udev has processed every expected event.
final class UdevEventWatch {
    private let udev: OpaquePointer
    private let monitor: OpaquePointer
    var expectation = UdevExpectation()

    /// nil where udevd does not run (no /run/udev/control: the kernel's devtmpfs node is final) or the
    /// monitor cannot be opened (then `UdevSettle` is the fallback).
    init?() {
        guard access("/run/udev/control", F_OK) == 0, let udev = udev_new() else { return nil }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            udev_unref(udev)
            return nil
        }
        self.udev = udev
        self.monitor = monitor
        // A bulk bind sends two events per device; do not let the socket drop any.
        _ = udev_monitor_set_receive_buffer_size(monitor, 8 << 20)
        for subsystem in ["pci", "vfio", "vfio-dev"] {
            _ = udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil)
        }
        guard udev_monitor_enable_receiving(monitor) >= 0 else { return nil }
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    /// Reads events until every expected one was seen; false at the deadline.
    func wait(until deadline: Double) -> Bool {
        let fd = udev_monitor_get_fd(monitor)
        while !expectation.isSatisfied {
            guard deadline > Monotonic.now() else { return false }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = retryingOnInterrupt { poll(&poller, 1, Self.pollTimeout(until: deadline)) }
            if ready < 0 { return false }
            guard ready > 0 else { continue }
            while let device = udev_monitor_receive_device(monitor) {
                expectation.saw(Self.event(device))
                udev_device_unref(device)
            }
        }
        return true
    }

    /// Milliseconds to wait in one poll: what is left until the deadline (recomputed when a signal
    /// interrupted the previous poll), at most a second, rounded up.
    private static func pollTimeout(until deadline: Double) -> Int32 {
        Int32(min(max(deadline - Monotonic.now(), 0), 1) * 1000) + 1
    }

    private static func event(_ device: OpaquePointer) -> UdevExpectation.Event {
        func text(_ value: UnsafePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "" }
        return UdevExpectation.Event(
            action: text(udev_device_get_action(device)),
            subsystem: text(udev_device_get_subsystem(device)),
            sysname: text(udev_device_get_sysname(device)),
            devnode: udev_device_get_devnode(device).map { String(cString: $0) })
    }
}
