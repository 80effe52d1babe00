import ArgumentParser
import VFIOCore
import VFIOSystem

struct ResetCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Reset one device through sysfs (a function reset, by the methods of its reset_method).",
        discussion: """
            Only a device that is unbound or on a VFIO driver, and that no process holds open, is reset \
            (exit 3 otherwise); one without a reset attribute exits 4. The write is bounded by --timeout: \
            a reset the kernel has not finished by then is left to finish on its own, exit 6. An interrupted \
            run is rolled back first, as by every writing command: a write it left blocked in the kernel is \
            waited for as long as --timeout, then exit 6 naming it, nothing written.
            """)

    /// The refusals `reset` makes, by the code `--force` takes.
    enum ForceCode: String, CaseIterable, ExpressibleByArgument {
        case openFD = "open-fd"
        case hostDriver = "host-driver"
    }

    @OptionGroup var source: SourceOptions

    @Argument(
        help: ArgumentHelp("The device: a PCI address (0000:01:00.0 or 01:00.0).", valueName: "device"),
        completion: LiveCompletion.devices, transform: BlankValue.refused)
    var device: String

    @Option(
        name: .customLong("force"),
        help: ArgumentHelp(
            "Override one refusal by its code (repeatable): open-fd (a process holds a node of the device open), host-driver (a host driver uses it).",
            valueName: "code"))
    var forced: [ForceCode] = []

    @Option(help: ArgumentHelp("Seconds to wait for the reset write to return (default: 10).", valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup var lock: LockOptions<LockOnly>

    @Flag(help: "Print the write instead of making it (and take no lock).")
    var dryRun = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run(_ context: CommandContext) throws {
        let address = try source.singleAddress(
            context, device, command: "reset", stateDir: lock.stateDirectory(context))
        let kernel = source.kernel(context)
        let store = context.stateStore(lock.stateDirectory(context))
        let reset = DeviceReset(
            kernel: kernel, store: store, host: source.hostState(context), vfioDrivers: VFIODriverSet(sysfs: kernel))
        // No other vfioctl may move the device while it is read and reset; an interrupted run is
        // finished (or a write it left pending waited for) before the device is read.
        let locked = try reset.lock(timeout: timeout, lockTimeout: lock.lockTimeout, dryRun: dryRun)
        defer { locked.release() }
        for note in locked.notes { context.terminal.warning(note) }
        let inventory = try source.inventory(
            context, changing: [.address(address)], consultsRules: false, stateDir: lock.stateDirectory(context))
        guard let record = inventory[address] else {
            throw VFIOError.notFound("no PCI device at \(address)", hint: "run 'vfioctl list' to see the devices")
        }
        context.terminal.out(
            try reset.reset(record, forced: Set(forced.map(\.rawValue)), timeout: timeout, locked: locked) + "\n")
    }
}
