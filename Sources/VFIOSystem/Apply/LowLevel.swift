#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// The raw operations for scripts (`override`, `new-id`, `remove-id`): one write each, checked
/// before it is made, with the kernel's errno turned into a sentence and a documented exit status.
public struct LowLevel {
    public let kernel: any KernelAccess
    public let dryRun: Bool

    public init(kernel: any KernelAccess, dryRun: Bool) {
        self.kernel = kernel
        self.dryRun = dryRun
    }

    /// Sets (or with nil clears, by writing "\n") a device's driver_override.
    public func setOverride(_ address: PCIAddress, _ driver: DriverName?) throws(VFIOError) -> String {
        guard (try? kernel.list(PCIPaths.device(address))) != nil else {
            throw .notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
        }
        let value = driver?.rawValue ?? "\n"
        let path = PCIPaths.override(address)
        if dryRun { return "would write \(value == "\n" ? "\"\\n\"" : value) > \(kernel.displayPath(path))" }
        try Preflight.checkWritable(address, kernel: kernel)
        do { try kernel.write(path, value) } catch {
            throw Self.error(error, doing: "set the driver_override of \(address)")
        }
        return "\(address): driver_override "
            + (driver.map { "set to \($0) (takes effect at the next probe)" } ?? "cleared")
    }

    public enum DynamicIDChange { case add, remove }

    /// `VVVV:DDDD[:SVVV:SDDD[:CLASS[:MASK]]]` -> new_id / remove_id.
    public func dynamicID(_ change: DynamicIDChange, driver text: String, id: String) throws(VFIOError) -> String {
        guard let driver = DriverName(text) else { throw .usage("invalid driver name \(UserText.quoted(text))") }
        let value = try Self.dynamicIDValue(id)
        guard (try? kernel.list(PCIPaths.driverDirectory(driver))) != nil else {
            throw .notFound(
                "no PCI driver named \(driver) is registered",
                hint: "load its module first (modprobe), or check 'ls /sys/bus/pci/drivers'")
        }
        let path = change == .add ? PCIPaths.newID(driver) : PCIPaths.removeID(driver)
        if dryRun { return "would write \"\(value)\" > \(kernel.displayPath(path))" }
        if geteuid() != 0 && access(kernel.displayPath(path), W_OK) != 0 {
            throw VFIOError(
                .permissionDenied, "changing dynamic ids needs root: \(kernel.displayPath(path)) is not writable",
                hint: "run with sudo, or use --dry-run")
        }
        do { try kernel.write(path, value) } catch {
            if error.errno == EEXIST { throw VFIOError(.failed, "\(driver) already has the dynamic id \(value)") }
            if error.errno == ENODEV && change == .remove { throw .notFound("\(driver) has no dynamic id \(value)") }
            throw Self.error(
                error, doing: change == .add ? "add \(value) to \(driver)" : "remove \(value) from \(driver)")
        }
        return change == .add
            ? "\(driver): added dynamic id \(value); the kernel bound every unbound device that matches"
            : "\(driver): removed dynamic id \(value) (devices already bound stay bound)"
    }

    static func dynamicIDValue(_ id: String) throws(VFIOError) -> String {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false)
        let widths = [4, 4, 4, 4, 6, 6]
        guard [2, 4, 5, 6].contains(parts.count),
            zip(parts, widths).allSatisfy({ part, width in
                !part.isEmpty && part.count <= width && UInt32(hexDigits: part) != nil
            })
        else {
            throw .usage(
                "invalid id \(UserText.quoted(id)): expected VVVV:DDDD[:SVVV:SDDD[:CLASS[:MASK]]] in hex",
                hint: "e.g. 8086:10d3")
        }
        return parts.map { String($0).lowercased() }.joined(separator: " ")
    }

    static func error(_ error: SysfsError, doing what: String) -> VFIOError {
        switch error.errno {
        case EACCES, EPERM:
            VFIOError(.permissionDenied, "cannot \(what): \(errnoName(error.errno))", hint: "run as root")
        case ENOENT: VFIOError(.notFound, "cannot \(what): \(error.path) does not exist")
        case EINVAL: VFIOError(.usage, "cannot \(what): the kernel rejected the value (\(errnoName(error.errno)))")
        default: VFIOError(.failed, "cannot \(what): \(errnoName(error.errno))")
        }
    }
}
