#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Moves one device between drivers with the kernel's safe order, verifies every result by reading
/// the `driver` link back (drivers_probe and modprobe report success even when nothing bound), and
/// can put a device back into a recorded state.
public struct DeviceMover {
    let writer: KernelWriter
    var kernel: any KernelAccess { writer.kernel }

    /// The binding as the kernel reports it right now.
    func currentBinding(_ address: PCIAddress) throws(VFIOError) -> DeviceBinding {
        let driver = try currentDriver(address)
        var override: DriverName?
        if let text = try? kernel.read(PCIPaths.override(address)) {
            override = DeviceReader.parseOverride(text) ?? nil
        }
        return DeviceBinding(driver: driver, override: override)
    }

    /// The driver link alone: what verifying a bind needs (the override was just written).
    func currentDriver(_ address: PCIAddress) throws(VFIOError) -> DriverName? {
        do {
            return DriverName(SysfsPath.lastComponent(try kernel.readLink(PCIPaths.driverLink(address))))
        } catch {
            guard error.isMissing else { throw VFIOError(.failed, "cannot read the driver of \(address): \(error)") }
            return nil
        }
    }

    public enum BindMethod: String, Sendable { case override = "driver_override", newID = "new_id" }

    /// Binds `address` to `target`. On any failure the device is put back to `original` before the
    /// error is rethrown, so the caller can try the next driver of the chain.
    func bind(
        _ address: PCIAddress, identity: PCIIdentity, to target: DriverName, from original: DeviceBinding,
        method: BindMethod
    ) throws(BindFailure) {
        do throws(BindFailure) {
            if target == .driverless {
                try leaveDriverless(address, from: original)
            } else {
                switch method {
                case .override: try bindByOverride(address, to: target, from: original)
                case .newID: try bindByNewID(address, identity: identity, to: target, from: original)
                }
            }
            if writer.dryRun { return }
            let now = try driverForVerification(address)
            guard target.holds(now) else {
                if target == .driverless {
                    throw BindFailure(message: "\(address) is still on \(now?.rawValue ?? "?") after unbinding it")
                }
                throw BindFailure(
                    message:
                        "\(target) did not bind \(address) (it is on \(now?.rawValue ?? "no driver")); see dmesg for the probe error"
                )
            }
        } catch let failure {
            do throws(BindFailure) {
                try restore(address, to: original)
            } catch let restoreError {
                throw BindFailure(message: failure.message, restoreError: restoreError.message)
            }
            throw failure
        }
    }

    private func bindByOverride(
        _ address: PCIAddress, to target: DriverName, from original: DeviceBinding
    ) throws(BindFailure) {
        // 1. override first, so nothing else can grab the device once it is unbound
        try step("set driver_override", PCIPaths.override(address), target.rawValue)
        // 2. unbind the current driver, naming it, so a concurrent rebind elsewhere gives ENODEV
        if let current = original.driver {
            try step("unbind from \(current)", PCIPaths.unbind(current), address.description)
        }
        // 3. bind explicitly: unlike drivers_probe, this returns the probe's real error
        try step("bind to \(target)", PCIPaths.bind(target), address.description)
    }

    /// Pins the override to `none` first (so nothing can grab the device once it is unbound), then
    /// unbinds it, and binds nothing (DriverName.driverless).
    private func leaveDriverless(_ address: PCIAddress, from original: DeviceBinding) throws(BindFailure) {
        try step("set driver_override", PCIPaths.override(address), DriverName.driverless.rawValue)
        if let current = original.driver {
            try step("unbind from \(current)", PCIPaths.unbind(current), address.description)
        }
    }

    /// new_id binds every unbound device with these ids, so the caller must have checked that no
    /// other such device exists; the id is removed again whatever happens.
    private func bindByNewID(
        _ address: PCIAddress, identity: PCIIdentity, to target: DriverName,
        from original: DeviceBinding
    ) throws(BindFailure) {
        if let current = original.driver {
            try step("unbind from \(current)", PCIPaths.unbind(current), address.description)
        }
        let id = "\(identity.vendor) \(identity.device)"
        var added = false
        do {
            try writer.write(PCIPaths.newID(target), id)
            added = true
        } catch  where error.errno == EEXIST {
            // Someone else's dynamic id: it already matches, an explicit bind finishes the job.
            try step("bind to \(target)", PCIPaths.bind(target), address.description)
        } catch {
            throw BindFailure(sysfs: error, doing: "add dynamic id \(id) to \(target)")
        }
        if added {
            do { try writer.write(PCIPaths.removeID(target), id) } catch {
                writer.warn(
                    "could not remove the dynamic id \(id) from \(target) (\(errnoName(error.errno))): other devices with these ids may bind to it; remove it with 'vfioctl remove-id \(target) \(identity.vendor):\(identity.device)'"
                )
            }
        }
    }

    /// Puts the device back: leave its current driver, restore the override, rebind the recorded
    /// driver (through a temporary override if its id table alone does not match any more).
    func restore(_ address: PCIAddress, to original: DeviceBinding) throws(BindFailure) {
        try refuseWhilePending()
        let now = try bindingForVerification(address)
        if now == original && !writer.dryRun { return }
        if let current = now.driver, current != original.driver {
            try step("unbind from \(current)", PCIPaths.unbind(current), address.description)
        }
        let bindNeeded = original.driver != nil && (writer.dryRun || now.driver != original.driver)
        if let driver = original.driver, bindNeeded {
            // The original driver must be allowed by the override while binding.
            try step("set driver_override", PCIPaths.override(address), driver.rawValue)
            try step("bind to \(driver)", PCIPaths.bind(driver), address.description)
        }
        try step(
            original.override == nil ? "clear driver_override" : "restore driver_override",
            PCIPaths.override(address), original.override?.rawValue ?? "\n")
        if writer.dryRun { return }
        let after = try driverForVerification(address)
        guard after == original.driver else {
            throw BindFailure(
                message:
                    "could not put \(address) back on \(original.driver?.rawValue ?? "no driver") (it is on \(after?.rawValue ?? "no driver"))"
            )
        }
    }

    /// `echo "bus" > /sys/bus/pci/devices/BDF/reset_method`: the methods the kernel tries, in
    /// order, when the device is reset (a lone newline for none).
    func setResetMethods(_ address: PCIAddress, _ words: [String]) throws(BindFailure) {
        try refuseWhilePending()
        try step("set reset_method", PCIPaths.resetMethod(address), ResetMethod.attributeValue(words))
    }

    /// After a write was left blocked in the kernel nothing more is read or written: the blocked
    /// unbind holds the device's lock, and even reading its driver_override waits for that lock.
    private func refuseWhilePending() throws(BindFailure) {
        guard let pending = writer.pending else { return }
        throw BindFailure(message: "not attempted: the \(pending.description) is still blocked in the kernel")
    }

    private func bindingForVerification(_ address: PCIAddress) throws(BindFailure) -> DeviceBinding {
        do { return try currentBinding(address) } catch { throw BindFailure(message: error.message) }
    }

    private func driverForVerification(_ address: PCIAddress) throws(BindFailure) -> DriverName? {
        do { return try currentDriver(address) } catch { throw BindFailure(message: error.message) }
    }

    /// Returns a device to the kernel's own choice: clear the override, unbind, let the PCI core probe.
    func reprobe(_ address: PCIAddress, from current: DeviceBinding) throws(BindFailure) {
        try refuseWhilePending()
        if current.override != nil {
            try step("clear driver_override", PCIPaths.override(address), "\n")
        }
        if let driver = current.driver {
            try step("unbind from \(driver)", PCIPaths.unbind(driver), address.description)
        }
        try step("probe for the default driver", PCIPaths.driversProbe, address.description)
    }

    /// One write; `what` (for the error message) is only built when the write fails.
    private func step(_ what: @autoclosure () -> String, _ path: String, _ value: String) throws(BindFailure) {
        do {
            try writer.write(path, value)
        } catch {
            throw BindFailure(sysfs: error, doing: what())
        }
    }
}

/// Why one bind attempt failed, and whether putting the device back failed too.
struct BindFailure: Error {
    var message: String
    var errno: Int32?
    var restoreError: String?

    init(message: String, errno: Int32? = nil, restoreError: String? = nil) {
        self.message = message
        self.errno = errno
        self.restoreError = restoreError
    }

    init(sysfs error: SysfsError, doing what: String) {
        self.init(message: "\(what): writing \(error.path) failed with \(errnoName(error.errno))", errno: error.errno)
    }
}
