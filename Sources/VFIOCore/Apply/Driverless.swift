/// Leaving a device with no driver, and keeping it so: driverctl's `set-override DEVICE none`.
///
/// `driver_override` names the only driver allowed to bind at the next probe; writing "\n" clears it
/// (then any matching driver may take the device again, at the next probe or hot-plug). Pinned to
/// `none`, a name no driver has, no driver binds: not drivers_probe, not a new module, not udev. In
/// vfioctl it is a bind target like any driver (`bind --driver none`), so the engine's checks, journal,
/// rollback and records apply, and `unbind` returns the device to the driver it came from.
extension DriverName {
    /// `echo none > /sys/bus/pci/devices/ADDRESS/driver_override`, then unbind, and no bind.
    public static let driverless = DriverName("none")!

    /// Whether a device whose `driver` link names `current` (nil: no link) is where a bind to this
    /// target leaves it.
    public func holds(_ current: DriverName?) -> Bool {
        self == .driverless ? current == nil : current == self
    }
}

extension Candidate {
    /// The chain of `bind --driver none`: no module to load, nothing to probe.
    public static let driverless = Candidate(
        module: ModuleName("none")!, driver: .driverless, driverNameConfirmed: true, source: .commandLine,
        specificity: nil, priority: 0, available: true, reason: "no driver: driver_override pinned to none")
}
